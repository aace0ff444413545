;; segstream's argmax kernel (src/core/wasm-argmax.ts): WebAssembly SIMD, assembled by
;; scripts/build-wasm.mjs into src/core/wasm/argmax-module.ts. Scores must be finite.
(module
  (memory (import "env" "memory") 1)
  ;; dst[i] = argmax over c of src[c*n + i] (ties: the lower c), i in [0, n): src f32 planes, dst u8,
  ;; byte addresses, src 4-aligned. Sixteen pixels a step: four f32x4 running bests and one i8x16 of
  ;; labels. A class takes a lane only where it is strictly greater (f32x4.lt), and classes come in
  ;; ascending order, so "label = max(label, c & mask)" is the conditional move (the four masks
  ;; narrowed to bytes first) and f32x4.pmax (b < v ? v : b) the matching best; the same labels as
  ;; the TypeScript loop.
  (func (export "argmax") (param $src i32) (param $C i32) (param $n i32) (param $dst i32)
    (local $i i32) (local $c i32) (local $p i32) (local $stride i32) (local $n16 i32)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $k0 v128) (local $k1 v128) (local $k2 v128) (local $k3 v128)
    (local $v v128) (local $cv v128) (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $bs f32) (local $ks i32) (local $vs f32)
    (local.set $stride (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n16 (i32.and (local.get $n) (i32.const -16)))
    (block $done
      (loop $px
        (br_if $done (i32.ge_u (local.get $i) (local.get $n16)))
        (local.set $p (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $b0 (v128.load offset=0 (local.get $p)))
        (local.set $b1 (v128.load offset=16 (local.get $p)))
        (local.set $b2 (v128.load offset=32 (local.get $p)))
        (local.set $b3 (v128.load offset=48 (local.get $p)))
        (local.set $k0 (v128.const i32x4 0 0 0 0))
        (local.set $c (i32.const 1))
        (block $cdone
          (loop $cls
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $C)))
            (local.set $p (i32.add (local.get $p) (local.get $stride)))
            (local.set $cv (i8x16.splat (local.get $c)))
            (local.set $v (v128.load offset=0 (local.get $p)))
            (local.set $m0 (f32x4.lt (local.get $b0) (local.get $v)))
            (local.set $b0 (f32x4.pmax (local.get $b0) (local.get $v)))
            (local.set $v (v128.load offset=16 (local.get $p)))
            (local.set $m1 (f32x4.lt (local.get $b1) (local.get $v)))
            (local.set $b1 (f32x4.pmax (local.get $b1) (local.get $v)))
            (local.set $v (v128.load offset=32 (local.get $p)))
            (local.set $m2 (f32x4.lt (local.get $b2) (local.get $v)))
            (local.set $b2 (f32x4.pmax (local.get $b2) (local.get $v)))
            (local.set $v (v128.load offset=48 (local.get $p)))
            (local.set $m3 (f32x4.lt (local.get $b3) (local.get $v)))
            (local.set $b3 (f32x4.pmax (local.get $b3) (local.get $v)))
            (local.set $k0 (i8x16.max_u (local.get $k0) (v128.and (local.get $cv)
              (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s (local.get $m0) (local.get $m1)) (i16x8.narrow_i32x4_s (local.get $m2) (local.get $m3))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cls)))
        (v128.store (i32.add (local.get $dst) (local.get $i))
          (local.get $k0))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $px)))
    ;; tail: one pixel at a time
    (block $tdone
      (loop $t
        (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $p (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $bs (f32.load (local.get $p)))
        (local.set $ks (i32.const 0))
        (local.set $c (i32.const 1))
        (block $tc
          (loop $tcl
            (br_if $tc (i32.ge_u (local.get $c) (local.get $C)))
            (local.set $p (i32.add (local.get $p) (local.get $stride)))
            (local.set $vs (f32.load (local.get $p)))
            (if (f32.gt (local.get $vs) (local.get $bs))
              (then (local.set $bs (local.get $vs)) (local.set $ks (local.get $c))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $tcl)))
        (i32.store8 (i32.add (local.get $dst) (local.get $i)) (local.get $ks))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $t)))
  )
  ;; dst[x*cs + y] = src[y*w + x]: a row-major u8 w x h map to column-major (column stride cs),
  ;; in 32x32 blocks so both sides stay in cache.
  (func (export "transpose") (param $src i32) (param $w i32) (param $h i32) (param $dst i32) (param $cs i32)
    (local $x0 i32) (local $y0 i32) (local $x i32) (local $y i32) (local $x1 i32) (local $y1 i32)
    (block $yd (loop $yl
      (br_if $yd (i32.ge_u (local.get $y0) (local.get $h)))
      (local.set $y1 (select (i32.add (local.get $y0) (i32.const 32)) (local.get $h)
        (i32.lt_u (i32.add (local.get $y0) (i32.const 32)) (local.get $h))))
      (local.set $x0 (i32.const 0))
      (block $xd (loop $xl
        (br_if $xd (i32.ge_u (local.get $x0) (local.get $w)))
        (local.set $x1 (select (i32.add (local.get $x0) (i32.const 32)) (local.get $w)
          (i32.lt_u (i32.add (local.get $x0) (i32.const 32)) (local.get $w))))
        (local.set $x (local.get $x0))
        (block $xid (loop $xil
          (br_if $xid (i32.ge_u (local.get $x) (local.get $x1)))
          (local.set $y (local.get $y0))
          (block $yid (loop $yil
            (br_if $yid (i32.ge_u (local.get $y) (local.get $y1)))
            (i32.store8 (i32.add (local.get $dst) (i32.add (i32.mul (local.get $x) (local.get $cs)) (local.get $y)))
              (i32.load8_u (i32.add (local.get $src) (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x)))))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $yil)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $xil)))
        (local.set $x0 (local.get $x1))
        (br $xl)))
      (local.set $y0 (local.get $y1))
      (br $yl)))
  )
)
