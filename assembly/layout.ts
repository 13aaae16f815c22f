/** dst (cols×rows f32, row-major) = transpose of src (rows×cols f32, row stride lds ≥ cols elements). */
export function transposeF32(rows: i32, cols: i32, src: usize, lds: i32, dst: usize): void {
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) store<f32>(dst + (<usize>(c * rows + r) << 2), load<f32>(src + (<usize>(r * lds + c) << 2)));
}

/** Write the n×n identity (f32, row-major) to dst. */
export function identityF32(n: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>(n * n) << 2);
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>(i * n + i) << 2), 1);
}
