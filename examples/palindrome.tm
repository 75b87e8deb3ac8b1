# Accepts iff the input (a word of {a, b}^W filling all W = 2^n cells) is a palindrome.
# Phase 1 finds the right end (edge: stay): prime every cell while moving right; reading a primed
# symbol means the head stayed on cell W, which gets an end mark (A or B). The walk back unprimes.
# Phase 2 is the classical matching: erase (X) the leftmost unmatched symbol, remember it, run to the
# rightmost unmatched one (before an X, or the end mark), compare, erase it, walk back. The blank
# is X (never on the initial tape: the input fills every cell).
name: palindrome
states: p0 p1 p2 q0 ra rb ca cb back acc rej
symbols: X a b a1 b1 A B
blank: X
input: a b
start: p0
accept: acc
reject: rej
edge: stay
p0 a -> p1 a1 R
p0 b -> p1 b1 R
p1 a -> p1 a1 R
p1 b -> p1 b1 R
p1 a1 -> p2 A L        # stayed on cell W: mark the end
p1 b1 -> p2 B L
p2 a1 -> p2 a L
p2 b1 -> p2 b L
p2 a -> q0 a S         # stayed on cell 1 (already unprimed): start matching
p2 b -> q0 b S
q0 a -> ra X R
q0 b -> rb X R
q0 X -> acc X S        # everything matched
q0 A -> acc X S        # one symbol left (odd length)
q0 B -> acc X S
ra a -> ra a R
ra b -> ra b R
ra X -> ca X L
ra A -> back X L       # the end cell matches
ra B -> rej B S
rb a -> rb a R
rb b -> rb b R
rb X -> cb X L
rb B -> back X L
rb A -> rej A S
ca a -> back X L
ca b -> rej b S
ca X -> acc X S
cb b -> back X L
cb a -> rej a S
cb X -> acc X S
back a -> back a L
back b -> back b L
back X -> q0 X R
