;; The gallery's hot loop: find the next stored face descriptor closer to the query than a bound.
;;
;; Memory layout (shared with `row-scan.ts`), for descriptors of D values; `rowBytes` = 4·D is a
;; multiple of 128 (one block of 32 dimensions): 512 for face-api's 128 values, 2048 for fr-feature's
;; 512:
;;   bytes [0, rowBytes)                     the query, D f32
;;   bytes [rowBytes + rowBytes·r, ...)      row r of the gallery, D f32
;;
;; `nextUnder(start, end, bound, rowBytes)` returns the first row r in [start, end) whose squared euclidean
;; distance to the query is below `bound`, or `end` when there is none. It works four lanes at a
;; time (SIMD) and abandons a row as soon as a partial sum reaches the bound, checking once per 32
;; dimensions: face descriptors spread their variance evenly, so most rows of a large gallery are
;; given up after about half of their dimensions. Sums are f32, so the caller inflates the bound by more than
;; f32 rounding can move a sum and recomputes the exact distance of every row returned.
(module
  (memory (export "memory") 1)

  (func (export "nextUnder") (param $start i32) (param $end i32) (param $bound f32) (param $rowBytes i32) (result i32)
    (local $row i32)
    (local $base i32)
    (local $offset i32)
    (local $sum f32)
    (local $a v128)
    (local $b v128)
    (local $d v128)

    (local.set $row (local.get $start))
    (local.set $base (i32.add (local.get $rowBytes) (i32.mul (local.get $start) (local.get $rowBytes))))
    (block $none
      (loop $rows
        (br_if $none (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $sum (f32.const 0))
        (local.set $offset (i32.const 0))
        (block $abandon
          (loop $blocks
            ;; 32 dimensions = 8 vectors, summed into two accumulators so the adds can overlap.
            (local.set $d (f32x4.sub (v128.load offset=0 (local.get $offset))
                                     (v128.load offset=0 (i32.add (local.get $base) (local.get $offset)))))
            (local.set $a (f32x4.mul (local.get $d) (local.get $d)))
            (local.set $d (f32x4.sub (v128.load offset=16 (local.get $offset))
                                     (v128.load offset=16 (i32.add (local.get $base) (local.get $offset)))))
            (local.set $b (f32x4.mul (local.get $d) (local.get $d)))
            (local.set $d (f32x4.sub (v128.load offset=32 (local.get $offset))
                                     (v128.load offset=32 (i32.add (local.get $base) (local.get $offset)))))
            (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (v128.load offset=48 (local.get $offset))
                                     (v128.load offset=48 (i32.add (local.get $base) (local.get $offset)))))
            (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (v128.load offset=64 (local.get $offset))
                                     (v128.load offset=64 (i32.add (local.get $base) (local.get $offset)))))
            (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (v128.load offset=80 (local.get $offset))
                                     (v128.load offset=80 (i32.add (local.get $base) (local.get $offset)))))
            (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (v128.load offset=96 (local.get $offset))
                                     (v128.load offset=96 (i32.add (local.get $base) (local.get $offset)))))
            (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub (v128.load offset=112 (local.get $offset))
                                     (v128.load offset=112 (i32.add (local.get $base) (local.get $offset)))))
            (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $d) (local.get $d))))

            ;; Horizontal sum of the four lanes into the running total.
            (local.set $a (f32x4.add (local.get $a) (local.get $b)))
            (local.set $a (f32x4.add (local.get $a)
                                     (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                                                    (local.get $a) (local.get $a))))
            (local.set $sum (f32.add (local.get $sum)
                                     (f32.add (f32x4.extract_lane 0 (local.get $a))
                                              (f32x4.extract_lane 1 (local.get $a)))))
            (br_if $abandon (f32.ge (local.get $sum) (local.get $bound)))

            (local.set $offset (i32.add (local.get $offset) (i32.const 128)))
            (br_if $blocks (i32.lt_u (local.get $offset) (local.get $rowBytes)))
          )
          ;; Every dimension summed and still under the bound.
          (return (local.get $row))
        )
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (local.set $base (i32.add (local.get $base) (local.get $rowBytes)))
        (br $rows)
      )
    )
    (local.get $end)
  )
)
