using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ExactConvexNN.Solver.Linear;

/// <summary>
/// Dense kernels for structured KKT solvers: a symmetric rank-k update and a Cholesky factorization with solves, on
/// row-major spans. The rank-k update is the hot loop of block-structured programs (a sum of many thin outer products).
/// </summary>
public static class DenseKernels
{
    /// <summary>
    /// Lower triangle of M += Z Z', with M n x n and Z n x k, both row-major (Z row j = z[j*k .. j*k+k)).
    /// Tiled 2 x 4 with SIMD over k, and rows of M split across threads when the work is large.
    /// </summary>
    public static void SymmetricRankKUpdateLower(Span<double> m, int n, ReadOnlySpan<double> z, int k)
    {
        if (m.Length < n * n || z.Length < n * k) throw new ArgumentException("M must be n x n and Z n x k");
        if (n == 0 || k == 0) return;
        long work = (long)n * n * k;
        if (work < 4_000_000 || Environment.ProcessorCount == 1)
        {
            RankKRows(m, n, z, k, 0, n);
            return;
        }
        unsafe
        {
            fixed (double* mp = m)
            fixed (double* zp = z)
            {
                nint mAddr = (nint)mp, zAddr = (nint)zp;
                // Balance the triangle: row pairs (i, n-1-i) have equal total work.
                int parts = Math.Min(Environment.ProcessorCount, 8) * 4;
                var ranges = TriangleRanges(n, parts);
                Parallel.For(0, ranges.Length - 1, p =>
                {
                    var ms = new Span<double>((double*)mAddr, n * n);
                    var zs = new ReadOnlySpan<double>((double*)zAddr, n * k);
                    RankKRows(ms, n, zs, k, ranges[p], ranges[p + 1]);
                });
            }
        }
    }

    /// <summary>M += Z Z' (lower triangle) on the calling thread only, for callers that run their own workers: M is n x n and Z n x k, row-major.</summary>
    public static void SymmetricRankKUpdateLowerSerial(Span<double> m, int n, ReadOnlySpan<double> z, int k)
    {
        if (m.Length < n * n || z.Length < n * k) throw new ArgumentException("M must be n x n and Z n x k");
        if (n == 0 || k == 0) return;
        RankKRows(m, n, z, k, 0, n);
    }

    private static int[] TriangleRanges(int n, int parts)
    {
        // Row i costs about i + 1 dot products: cut the cumulative cost into equal parts.
        var cuts = new List<int> { 0 };
        double total = (double)n * (n + 1) / 2, acc = 0;
        for (int i = 0; i < n; i++)
        {
            acc += i + 1;
            if (acc >= total * cuts.Count / parts && cuts[^1] != i + 1) cuts.Add(i + 1);
        }
        if (cuts[^1] != n) cuts.Add(n);
        return [.. cuts];
    }

    /// <summary>Rows [r0, r1) of the lower triangle of M += Z Z'.</summary>
    private static void RankKRows(Span<double> m, int n, ReadOnlySpan<double> z, int k, int r0, int r1)
    {
        int i = r0;
        // Pairs of rows i, i+1 against columns j <= i+1 in groups of four.
        for (; i + 1 < r1; i += 2)
        {
            var a0 = z.Slice(i * k, k); var a1 = z.Slice((i + 1) * k, k);
            int j = 0;
            for (; j + 3 <= i; j += 4)
            {
                Dot2x4(a0, a1, z.Slice(j * k, k), z.Slice((j + 1) * k, k), z.Slice((j + 2) * k, k), z.Slice((j + 3) * k, k), out var r);
                m[i * n + j] += r.A0B0; m[i * n + j + 1] += r.A0B1; m[i * n + j + 2] += r.A0B2; m[i * n + j + 3] += r.A0B3;
                m[(i + 1) * n + j] += r.A1B0; m[(i + 1) * n + j + 1] += r.A1B1; m[(i + 1) * n + j + 2] += r.A1B2; m[(i + 1) * n + j + 3] += r.A1B3;
            }
            for (; j <= i + 1; j++)
            {
                var b = z.Slice(j * k, k);
                if (j <= i) m[i * n + j] += Dot(a0, b);
                m[(i + 1) * n + j] += Dot(a1, b);
            }
        }
        for (; i < r1; i++)
        {
            var a = z.Slice(i * k, k);
            for (int j = 0; j <= i; j++) m[i * n + j] += Dot(a, z.Slice(j * k, k));
        }
    }

    private struct Tile { public double A0B0, A0B1, A0B2, A0B3, A1B0, A1B1, A1B2, A1B3; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot2x4(ReadOnlySpan<double> a0, ReadOnlySpan<double> a1, ReadOnlySpan<double> b0, ReadOnlySpan<double> b1,
        ReadOnlySpan<double> b2, ReadOnlySpan<double> b3, out Tile t)
    {
        int k = a0.Length, w = Vector<double>.Count, p = 0;
        Vector<double> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        var va0 = MemoryMarshal.Cast<double, Vector<double>>(a0); var va1 = MemoryMarshal.Cast<double, Vector<double>>(a1);
        var vb0 = MemoryMarshal.Cast<double, Vector<double>>(b0); var vb1 = MemoryMarshal.Cast<double, Vector<double>>(b1);
        var vb2 = MemoryMarshal.Cast<double, Vector<double>>(b2); var vb3 = MemoryMarshal.Cast<double, Vector<double>>(b3);
        for (int v = 0; v < va0.Length; v++)
        {
            var x0 = va0[v]; var x1 = va1[v];
            var y0 = vb0[v]; var y1 = vb1[v]; var y2 = vb2[v]; var y3 = vb3[v];
            s00 = Vector.FusedMultiplyAdd(x0, y0, s00); s01 = Vector.FusedMultiplyAdd(x0, y1, s01);
            s02 = Vector.FusedMultiplyAdd(x0, y2, s02); s03 = Vector.FusedMultiplyAdd(x0, y3, s03);
            s10 = Vector.FusedMultiplyAdd(x1, y0, s10); s11 = Vector.FusedMultiplyAdd(x1, y1, s11);
            s12 = Vector.FusedMultiplyAdd(x1, y2, s12); s13 = Vector.FusedMultiplyAdd(x1, y3, s13);
        }
        p = va0.Length * w;
        t.A0B0 = Vector.Sum(s00); t.A0B1 = Vector.Sum(s01); t.A0B2 = Vector.Sum(s02); t.A0B3 = Vector.Sum(s03);
        t.A1B0 = Vector.Sum(s10); t.A1B1 = Vector.Sum(s11); t.A1B2 = Vector.Sum(s12); t.A1B3 = Vector.Sum(s13);
        for (; p < k; p++)
        {
            t.A0B0 += a0[p] * b0[p]; t.A0B1 += a0[p] * b1[p]; t.A0B2 += a0[p] * b2[p]; t.A0B3 += a0[p] * b3[p];
            t.A1B0 += a1[p] * b0[p]; t.A1B1 += a1[p] * b1[p]; t.A1B2 += a1[p] * b2[p]; t.A1B3 += a1[p] * b3[p];
        }
    }

    /// <summary>x'y with SIMD.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => System.Numerics.Tensors.TensorPrimitives.Dot(x, y);

    /// <summary>
    /// In-place Cholesky A = L L' of a symmetric positive definite n x n row-major matrix, reading and writing the lower
    /// triangle. Returns false (leaving A partly overwritten) when a pivot is not positive and finite.
    /// </summary>
    public static bool CholeskyLower(Span<double> a, int n) => Cholesky(a, n, double.NaN, out _);

    /// <summary>
    /// <see cref="CholeskyLower(Span{double}, int)"/> for a positive semidefinite matrix that rounding may have made
    /// indefinite (interior-point normal equations near the optimum): a pivot at most <paramref name="tinyRatio"/> times its
    /// row's diagonal is replaced by <see cref="HugePivot"/>, so that the solution's component along that (numerically null)
    /// direction is about zero; the solve's residual is left to iterative refinement (Wright's modified Cholesky, as in
    /// LIPSOL and PCx). Returns false only for a diagonal entry that is not positive and finite, or a pivot that is not finite.
    /// </summary>
    /// <param name="a">The matrix (row-major n x n, lower triangle read and overwritten by L).</param>
    /// <param name="n">The order.</param>
    /// <param name="tinyRatio">Pivots at most this fraction of the original diagonal entry are replaced.</param>
    /// <param name="replaced">The number of pivots replaced.</param>
    public static bool CholeskyLower(Span<double> a, int n, double tinyRatio, out int replaced)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tinyRatio);
        return Cholesky(a, n, tinyRatio, out replaced);
    }

    /// <summary>
    /// The two <c>CholeskyLower</c>: with <paramref name="tinyRatio"/> NaN a pivot that is not positive fails the
    /// factorization; otherwise pivots at most tinyRatio times their diagonal entry become <see cref="HugePivot"/>.
    /// </summary>
    private static bool Cholesky(Span<double> a, int n, double tinyRatio, out int replaced)
    {
        replaced = 0;
        bool modified = !double.IsNaN(tinyRatio);
        double huge = Math.Sqrt(HugePivot);
        for (int j = 0; j < n; j++)
        {
            // L_jj = sqrt(A_jj - sum_k L_jk^2) (or sqrt(HugePivot) for a rounding-noise pivot); L_ij = (A_ij - sum_k L_ik L_jk) / L_jj.
            var rowJ = a.Slice(j * n, j);
            double ajj = a[j * n + j];
            if (modified && (!(ajj > 0) || !double.IsFinite(ajj))) return false;
            double d = ajj - Dot(rowJ, rowJ);
            if (!double.IsFinite(d) || !modified && !(d > 0)) return false;
            double ljj;
            if (!modified || d > tinyRatio * ajj) ljj = Math.Sqrt(d);
            else { ljj = huge; replaced++; }
            a[j * n + j] = ljj;
            for (int i = j + 1; i < n; i++)
                a[i * n + j] = (a[i * n + j] - Dot(a.Slice(i * n, j), rowJ)) / ljj;
        }
        return true;
    }

    /// <summary>The pivot that replaces a tiny one in <see cref="CholeskyLower(Span{double}, int, double, out int)"/> (1e128).</summary>
    public const double HugePivot = 1e128;

    /// <summary>Column block of <see cref="LdlLower"/>: the panel width and the inner dimension of its trailing updates.</summary>
    public const int LdlBlockSize = 64;

    /// <summary>
    /// Smallest order <see cref="LdlLower"/> factors in blocks: a smaller matrix fits in cache, and is factored as one panel
    /// (the unblocked column order, whose rounding the dense backends have always had).
    /// </summary>
    public const int LdlBlockedMinimum = 256;

    /// <summary>Length of the <c>work</c> span <see cref="LdlLower"/> needs for order <paramref name="n"/>.</summary>
    public static int LdlWorkLength(int n) => n < LdlBlockedMinimum ? n : n * LdlBlockSize;

    /// <summary>
    /// In-place L D L' factorization of a symmetric quasi-definite n x n row-major matrix without pivoting, reading the
    /// lower triangle and overwriting its strict part with L (unit diagonal implied); the pivots go to <paramref name="d"/>.
    /// Dynamic regularization as in <see cref="ILdlFactorization"/>: a pivot whose sign disagrees with
    /// <paramref name="signs"/> or whose magnitude is below <paramref name="regEpsilon"/> becomes signs[j] * <paramref name="regDelta"/>.
    /// Blocked right-looking from order <see cref="LdlBlockedMinimum"/> on: panels of <see cref="LdlBlockSize"/> columns are factored left-looking within the panel, then
    /// the trailing lower triangle is updated by <see cref="SubtractProductLower"/> (rows split across threads when the
    /// update is large). <paramref name="work"/> needs <see cref="LdlWorkLength"/>(n) entries. Returns false when a pivot is
    /// not finite; <paramref name="regularized"/> counts replaced pivots.
    /// </summary>
    public static bool LdlLower(Span<double> a, int n, ReadOnlySpan<sbyte> signs, double regEpsilon, double regDelta,
        Span<double> d, Span<double> work, out int regularized)
    {
        if (a.Length < n * n || signs.Length < n || d.Length < n || work.Length < LdlWorkLength(n))
            throw new ArgumentException("A must be n x n, signs and d of length n, work of length LdlWorkLength(n)");
        regularized = 0;
        int block = n < LdlBlockedMinimum ? n : LdlBlockSize;
        for (int j0 = 0; j0 < n; j0 += block)
        {
            int j1 = Math.Min(j0 + block, n), b = j1 - j0;
            // Panel j0..j1 (earlier panels already subtracted): w_k = L_jk d_k, d_j = A_jj - sum_k L_jk w_k,
            // L_ij = (A_ij - sum_k L_ik w_k) / d_j for i > j, the sums over the panel's columns k < j.
            for (int j = j0; j < j1; j++)
            {
                var rowJ = a.Slice(j * n + j0, j - j0);
                var w = work[..(j - j0)];
                for (int k = 0; k < w.Length; k++) w[k] = rowJ[k] * d[j0 + k];
                double dj = a[j * n + j] - Dot(rowJ, w);
                if (LdlContract.Regularize(ref dj, signs[j], regEpsilon, regDelta)) regularized++;
                if (!double.IsFinite(dj)) return false;
                d[j] = dj;
                double inv = 1.0 / dj;
                for (int i = j + 1; i < n; i++)
                    a[i * n + j] = (a[i * n + j] - Dot(a.Slice(i * n + j0, j - j0), w)) * inv;
            }
            if (j1 == n) break;
            // Trailing lower triangle: A22 -= (L21 D1) L21', with X = L21 D1 (m x b) in work.
            int m = n - j1;
            var x = work[..(m * b)];
            for (int i = 0; i < m; i++)
                for (int p = 0; p < b; p++) x[i * b + p] = a[(j1 + i) * n + j0 + p] * d[j0 + p];
            SubtractProductLower(a[(j1 * n + j1)..], n, x, b, a[(j1 * n + j0)..], n, m, b);
        }
        return true;
    }

    /// <summary>
    /// Lower triangle of C -= X Y': C(r_i, r_j) -= x_i'y_j for j &lt;= i &lt; n, where r = <paramref name="map"/> (the
    /// identity when empty; it must increase), C has row stride <paramref name="ldc"/>, and X, Y are n x k with row strides
    /// <paramref name="ldx"/>, <paramref name="ldy"/>, all row-major. Tiled 2 x 4 with SIMD over k; rows split across threads
    /// when the work is large.
    /// </summary>
    public static void SubtractProductLower(Span<double> c, int ldc, ReadOnlySpan<double> x, int ldx, ReadOnlySpan<double> y, int ldy,
        int n, int k, ReadOnlySpan<int> map = default)
    {
        if (n == 0 || k == 0) return;
        long rows = map.IsEmpty ? n : map[n - 1] + 1;
        if (c.Length < (rows - 1) * ldc + rows || x.Length < (long)(n - 1) * ldx + k || y.Length < (long)(n - 1) * ldy + k || (!map.IsEmpty && map.Length < n))
            throw new ArgumentException("C must hold the mapped n x n lower triangle and X, Y n x k with the given strides");
        if ((long)n * n * k < 4_000_000 || Environment.ProcessorCount == 1)
        {
            SubtractProductRows(c, ldc, x, ldx, y, ldy, k, map, 0, n);
            return;
        }
        unsafe
        {
            fixed (double* cp = c)
            fixed (double* xp = x)
            fixed (double* yp = y)
            fixed (int* mp = map)
            {
                nint cAddr = (nint)cp, xAddr = (nint)xp, yAddr = (nint)yp, mAddr = (nint)mp;
                int cLen = c.Length, xLen = x.Length, yLen = y.Length, mLen = map.Length;
                var ranges = TriangleRanges(n, Math.Min(Environment.ProcessorCount, 8) * 4);
                Parallel.For(0, ranges.Length - 1, p => SubtractProductRows(new Span<double>((double*)cAddr, cLen), ldc,
                    new ReadOnlySpan<double>((double*)xAddr, xLen), ldx, new ReadOnlySpan<double>((double*)yAddr, yLen), ldy, k,
                    new ReadOnlySpan<int>((int*)mAddr, mLen), ranges[p], ranges[p + 1]));
            }
        }
    }

    /// <summary>Rows [r0, r1) of <see cref="SubtractProductLower"/>.</summary>
    private static void SubtractProductRows(Span<double> c, int ldc, ReadOnlySpan<double> x, int ldx, ReadOnlySpan<double> y, int ldy,
        int k, ReadOnlySpan<int> map, int r0, int r1)
    {
        bool mapped = !map.IsEmpty;
        int i = r0;
        // Pairs of rows i, i+1 against columns j <= i+1 in groups of four.
        for (; i + 1 < r1; i += 2)
        {
            var a0 = x.Slice(i * ldx, k); var a1 = x.Slice((i + 1) * ldx, k);
            int c0 = (mapped ? map[i] : i) * ldc, c1 = (mapped ? map[i + 1] : i + 1) * ldc;
            int j = 0;
            for (; j + 3 <= i; j += 4)
            {
                Dot2x4(a0, a1, y.Slice(j * ldy, k), y.Slice((j + 1) * ldy, k), y.Slice((j + 2) * ldy, k), y.Slice((j + 3) * ldy, k), out var r);
                if (mapped)
                {
                    int q0 = map[j], q1 = map[j + 1], q2 = map[j + 2], q3 = map[j + 3];
                    c[c0 + q0] -= r.A0B0; c[c0 + q1] -= r.A0B1; c[c0 + q2] -= r.A0B2; c[c0 + q3] -= r.A0B3;
                    c[c1 + q0] -= r.A1B0; c[c1 + q1] -= r.A1B1; c[c1 + q2] -= r.A1B2; c[c1 + q3] -= r.A1B3;
                }
                else
                {
                    c[c0 + j] -= r.A0B0; c[c0 + j + 1] -= r.A0B1; c[c0 + j + 2] -= r.A0B2; c[c0 + j + 3] -= r.A0B3;
                    c[c1 + j] -= r.A1B0; c[c1 + j + 1] -= r.A1B1; c[c1 + j + 2] -= r.A1B2; c[c1 + j + 3] -= r.A1B3;
                }
            }
            for (; j <= i + 1; j++)
            {
                var b = y.Slice(j * ldy, k);
                int q = mapped ? map[j] : j;
                if (j <= i) c[c0 + q] -= Dot(a0, b);
                c[c1 + q] -= Dot(a1, b);
            }
        }
        for (; i < r1; i++)
        {
            var a = x.Slice(i * ldx, k);
            int c0 = (mapped ? map[i] : i) * ldc;
            for (int j = 0; j <= i; j++) c[c0 + (mapped ? map[j] : j)] -= Dot(a, y.Slice(j * ldy, k));
        }
    }

    /// <summary>Solves L D L' x = b in place with the factor and pivots from <see cref="LdlLower"/>.</summary>
    public static void LdlSolve(ReadOnlySpan<double> l, int n, ReadOnlySpan<double> d, Span<double> b)
    {
        // L y = b (forward), y /= d, L' x = y (backward).
        for (int i = 0; i < n; i++) b[i] -= Dot(l.Slice(i * n, i), b[..i]);
        for (int i = 0; i < n; i++) b[i] /= d[i];
        for (int i = n - 1; i >= 0; i--)
        {
            double bi = b[i];
            var row = l.Slice(i * n, i);
            for (int k = 0; k < i; k++) b[k] -= row[k] * bi;
        }
    }

    /// <summary>
    /// L^-1 (lower triangle, row-major n x n; the upper part zero) of a Cholesky factor L (row-major lower triangle): for
    /// small systems solved many times with one factorization, <see cref="SolveWithInverseFactor"/> is several times faster
    /// than two triangular solves.
    /// </summary>
    public static void InvertLower(ReadOnlySpan<double> l, int n, Span<double> lInverse)
    {
        // Column by column: X_cc = 1 / L_cc, X_ic = -(sum_{k=c}^{i-1} L_ik X_kc) / L_ii for i > c.
        lInverse[..(n * n)].Clear();
        for (int c = 0; c < n; c++)
        {
            lInverse[c * n + c] = 1.0 / l[c * n + c];
            for (int i = c + 1; i < n; i++)
            {
                double sum = 0;
                for (int k = c; k < i; k++) sum += l[i * n + k] * lInverse[k * n + c];
                lInverse[i * n + c] = -sum / l[i * n + i];
            }
        }
    }

    /// <summary>
    /// x = (L L')^-1 b = X' (X b) with X = L^-1 from <see cref="InvertLower"/> (row-major, zero above the diagonal):
    /// u = X b by rows, then x = sum_i u_i X_i (rows of X) with SIMD. <paramref name="u"/> is work of length n.
    /// </summary>
    public static void SolveWithInverseFactor(ReadOnlySpan<double> lInverse, int n, ReadOnlySpan<double> b, Span<double> u, Span<double> x)
    {
        // u_i = X_i · b (row i of X is zero beyond column i).
        for (int i = 0; i < n; i++) u[i] = Dot(lInverse.Slice(i * n, i + 1), b[..(i + 1)]);
        // x = X' u = sum_i u_i X_i.
        int width = Vector<double>.Count, vectorEnd = n - n % width;
        x[..n].Clear();
        var xv = MemoryMarshal.Cast<double, Vector<double>>(x[..vectorEnd]);
        for (int i = 0; i < n; i++)
        {
            var row = lInverse.Slice(i * n, n);
            double ui = u[i];
            if (ui == 0) continue;
            var rv = MemoryMarshal.Cast<double, Vector<double>>(row[..vectorEnd]);
            var uv = new Vector<double>(ui);
            for (int k = 0; k < xv.Length; k++) xv[k] += uv * rv[k];
            for (int k = vectorEnd; k < n; k++) x[k] += ui * row[k];
        }
    }

    /// <summary>Solves L L' x = b in place with the factor from <see cref="CholeskyLower(Span{double}, int)"/>.</summary>
    public static void CholeskySolve(ReadOnlySpan<double> l, int n, Span<double> b)
    {
        // Forward: L y = b.
        for (int i = 0; i < n; i++) b[i] = (b[i] - Dot(l.Slice(i * n, i), b[..i])) / l[i * n + i];
        // Backward: L' x = y.
        for (int i = n - 1; i >= 0; i--)
        {
            b[i] /= l[i * n + i];
            double bi = b[i];
            for (int j = 0; j < i; j++) b[j] -= l[i * n + j] * bi;
        }
    }

    /// <summary>
    /// Householder QR of a column-major rows x cols matrix B (rows &gt;= cols, overwritten), returning the triangular
    /// factor as L = R' (cols x cols, row-major lower triangle), so that B'B = L L' without forming B'B (the condition
    /// number is not squared). Returns false when a diagonal of R is zero or not finite.
    /// </summary>
    public static bool QrLowerFactor(Span<double> b, int rows, int cols, Span<double> l)
    {
        if (rows < cols) throw new ArgumentException($"QR needs rows >= cols, got {rows} x {cols}");
        l[..(cols * cols)].Clear();
        for (int k = 0; k < cols; k++)
        {
            var col = b.Slice(k * rows + k, rows - k);
            // Householder vector v = x + sign(x0) ||x|| e1 maps x to -sign(x0) ||x|| e1.
            double norm = Math.Sqrt(Dot(col, col));
            if (!(norm > 0) || !double.IsFinite(norm)) return false;
            double alpha = col[0] >= 0 ? -norm : norm;
            col[0] -= alpha;
            double vnorm2 = Dot(col, col);
            for (int j = k + 1; j < cols; j++)
            {
                var cj = b.Slice(j * rows + k, rows - k);
                double f = 2 * Dot(col, cj) / vnorm2;
                for (int i = 0; i < cj.Length; i++) cj[i] -= f * col[i];
            }
            // Row k of R: R_kk = alpha, R_kj = b[k, j] (j > k); L = R'.
            l[k * cols + k] = alpha;
            for (int j = k + 1; j < cols; j++) l[j * cols + k] = b[j * rows + k];
        }
        // Make the diagonal positive: L L' is unchanged when a column of L changes sign.
        for (int k = 0; k < cols; k++)
            if (l[k * cols + k] < 0)
                for (int j = k; j < cols; j++) l[j * cols + k] = -l[j * cols + k];
        return true;
    }

    /// <summary>
    /// Eigen-decomposition of a small symmetric n x n matrix (row-major, overwritten) by cyclic Jacobi rotations:
    /// <paramref name="values"/>[k] with eigenvector column k of <paramref name="vectors"/> (row-major n x n), A = V diag V'.
    /// </summary>
    public static void SymmetricEigen(Span<double> a, int n, Span<double> values, Span<double> vectors)
    {
        vectors[..(n * n)].Clear();
        for (int i = 0; i < n; i++) vectors[i * n + i] = 1;
        for (int sweep = 0; sweep < 60; sweep++)
        {
            double off = 0, diag = 0;
            for (int i = 0; i < n; i++)
            {
                diag += a[i * n + i] * a[i * n + i];
                for (int j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
            }
            if (off <= 1e-32 * diag || off == 0) break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (apq == 0) continue;
                    // Rotation that zeroes a_pq: tan(2 theta) = 2 a_pq / (a_qq - a_pp).
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), sn = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - sn * akq; a[k * n + q] = sn * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - sn * aqk; a[q * n + k] = sn * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = vectors[k * n + p], vkq = vectors[k * n + q];
                        vectors[k * n + p] = c * vkp - sn * vkq; vectors[k * n + q] = sn * vkp + c * vkq;
                    }
                }
        }
        for (int i = 0; i < n; i++) values[i] = a[i * n + i];
    }

    /// <summary>
    /// C = op(A) op(B) for square k x k column-major matrices, op the transpose when asked (not both): the managed product
    /// of the semidefinite cone's congruences. Measured faster than MathNet's managed provider and the reference BLAS dgemm
    /// for k up to 200 (bench sdp-kernels).
    /// </summary>
    public static void MultiplySquare(ReadOnlySpan<double> a, bool transposeA, ReadOnlySpan<double> b, bool transposeB, Span<double> c, int k)
    {
        if (a.Length < k * k || b.Length < k * k || c.Length < k * k) throw new ArgumentException("A, B and C must be k x k");
        if (transposeA && transposeB) throw new ArgumentException("op(A) op(B) with both transposed is not supported; use (B A)'");
        if (transposeA)
        {
            // C_ij = A_:i · B_:j (columns are contiguous).
            for (int j = 0; j < k; j++)
            {
                var bj = b.Slice(j * k, k);
                for (int i = 0; i < k; i++) c[j * k + i] = Dot(a.Slice(i * k, k), bj);
            }
            return;
        }
        c[..(k * k)].Clear();
        for (int j = 0; j < k; j++)
        {
            var cj = c.Slice(j * k, k);
            // C_:j = Σ_t op(B)_tj A_:t, op(B)_tj = B_tj (at t + j k) or B_jt (at j + t k).
            for (int t = 0; t < k; t++)
            {
                double f = transposeB ? b[j + t * k] : b[t + j * k];
                if (f != 0) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(a.Slice(t * k, k), f, cj, cj);
            }
        }
    }
}
