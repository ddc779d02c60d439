"""What a release promises students: the plan (every note's time and position), the guards that refuse
changes that would hurt them, card positions, and the lock file that records every release.

Owns: plan.py, guards.py, positions.py, subjects.py (what a change is about, where it shows),
lock.py (what the lock holds, written), lockread.py (read back strictly), lockcards.py (its card
records read in one pass).

May import: the shared modules (errors, paths, ids, names, output), text/, source/, render/.
"""
