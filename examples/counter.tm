# A binary counter over all W = 2^n cells of a blank tape ([BCL] Thm 15's counting machine;
# docs/tm-format.md). Cell 1 holds the least significant bit; the blank counts as 0. Cell 1 alone
# ever holds c (a 0 marked "cell 1"), so the walk back finds it. Each increment starts on cell 1:
# a 1 becomes a marked 0 (Z) and the carry moves right; the first 0 becomes 1 and the head walks
# back, unmarking. Overflow: with edge: stay a move R from cell W leaves the head on the Z it just
# wrote — reading Z in state carry means every cell held 1, so the machine accepts. The run counts
# through all 2^W values (about 3·2^W configurations), so the shortest accepted word grows doubly
# exponentially in n.
name: counter
states: inc carry back acc
symbols: _ 1 Z c
blank: _
start: inc
accept: acc
edge: stay
inc _ -> inc 1 S       # cell 1 was 0: now 1, done
inc 1 -> carry c R     # cell 1 was 1: now 0 (c), carry right
carry _ -> back 1 L    # a 0: becomes 1, walk back
carry 1 -> carry Z R   # a 1: becomes a marked 0, carry on
carry Z -> acc Z S     # the head stayed on cell W: overflow, accept
back Z -> back _ L     # unmark the carried cells
back c -> inc _ S      # cell 1 again (it holds 0)
