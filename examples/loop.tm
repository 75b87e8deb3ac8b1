# Never halts: the head walks between cells 1 and 2 forever, so the language is empty (no accepting
# run, the tiling instance has no solution: the row graph is exhausted).
name: loop
states: right left acc
symbols: _
blank: _
start: right
accept: acc
right _ -> left _ R
left _ -> right _ L
