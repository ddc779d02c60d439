"""The add-on's version and the feed format it reads: one place, read by the add-on and by deckgen
(which writes both into the .ankiaddon and the feed). It imports nothing."""

ADDON_VERSION = "1.0.0"  # a feed's min_addon_version is compared with this
FEED_FORMAT = 1  # the latest.json format that core.read_feed reads
