// PLACEHOLDER (cyclic Jacobi) until the tridiagonal QL solver lands with the same contract.
/**
 * Eigen-decomposition of the symmetric n×n f64 matrix A (row-major, stride lda, read only): eigenvalues to w
 * (descending), eigenvectors as rows of V (stride ldv). work: n·n f64. Returns sweeps used or -1.
 */
export function symEigF64(n: i32, a: usize, lda: i32, w: usize, v: usize, ldv: i32, work: usize): i32 {
  const m = work; // n×n copy
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      store<f64>(m + (<usize>(i * n + j) << 3), load<f64>(a + (<usize>(i * lda + j) << 3)));
      store<f64>(v + (<usize>(i * ldv + j) << 3), i == j ? 1.0 : 0.0);
    }
  let sweep = 0;
  for (; sweep < 100; sweep++) {
    let off = 0.0, diag = 0.0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const x = load<f64>(m + (<usize>(i * n + j) << 3));
      if (i == j) diag += x * x; else off += x * x;
    }
    if (off <= 1e-30 * diag || off == 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = load<f64>(m + (<usize>(p * n + q) << 3));
        if (apq == 0) continue;
        const app = load<f64>(m + (<usize>(p * n + p) << 3));
        const aqq = load<f64>(m + (<usize>(q * n + q) << 3));
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1.0 : -1.0) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = load<f64>(m + (<usize>(k * n + p) << 3)), mkq = load<f64>(m + (<usize>(k * n + q) << 3));
          store<f64>(m + (<usize>(k * n + p) << 3), c * mkp - s * mkq);
          store<f64>(m + (<usize>(k * n + q) << 3), s * mkp + c * mkq);
        }
        for (let k = 0; k < n; k++) {
          const mpk = load<f64>(m + (<usize>(p * n + k) << 3)), mqk = load<f64>(m + (<usize>(q * n + k) << 3));
          store<f64>(m + (<usize>(p * n + k) << 3), c * mpk - s * mqk);
          store<f64>(m + (<usize>(q * n + k) << 3), s * mpk + c * mqk);
        }
        for (let k = 0; k < n; k++) {
          const vpk = load<f64>(v + (<usize>(p * ldv + k) << 3)), vqk = load<f64>(v + (<usize>(q * ldv + k) << 3));
          store<f64>(v + (<usize>(p * ldv + k) << 3), c * vpk - s * vqk);
          store<f64>(v + (<usize>(q * ldv + k) << 3), s * vpk + c * vqk);
        }
      }
  }
  for (let i = 0; i < n; i++) store<f64>(w + (<usize>i << 3), load<f64>(m + (<usize>(i * n + i) << 3)));
  // selection sort descending, swapping rows of V
  for (let i = 0; i < n; i++) {
    let b = i;
    for (let j = i + 1; j < n; j++) if (load<f64>(w + (<usize>j << 3)) > load<f64>(w + (<usize>b << 3))) b = j;
    if (b != i) {
      const t = load<f64>(w + (<usize>i << 3)); store<f64>(w + (<usize>i << 3), load<f64>(w + (<usize>b << 3))); store<f64>(w + (<usize>b << 3), t);
      for (let k = 0; k < n; k++) {
        const x = load<f64>(v + (<usize>(i * ldv + k) << 3));
        store<f64>(v + (<usize>(i * ldv + k) << 3), load<f64>(v + (<usize>(b * ldv + k) << 3)));
        store<f64>(v + (<usize>(b * ldv + k) << 3), x);
      }
    }
  }
  return sweep < 100 ? sweep : -1;
}
