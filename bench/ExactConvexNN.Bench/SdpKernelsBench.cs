using System.Diagnostics;
using System.Globalization;
using ExactConvexNN.Solver.Linear;
using MathNet.Numerics.LinearAlgebra.Double;

namespace ExactConvexNN.Bench;

/// <summary>
/// <c>sdp-kernels [--sizes 20,50,124,200]</c>: the dense kernels of one semidefinite-cone iteration (the SVD of the NT
/// scaling, the smallest eigenvalue of a step length, a Cholesky factor, a k x k product) timed three ways: the project's
/// managed kernels (where it has one), MathNet.Numerics (its managed provider) and the machine's LAPACK/BLAS through
/// <see cref="NativeLapack"/>. Milliseconds per call, the median of repeated calls; also reports whether MathNet's
/// OpenBLAS provider can be enabled.
/// </summary>
public static class SdpKernelsBench
{
    public static void Run(string[] args)
    {
        int[] sizes = [20, 50, 124, 200];
        for (int i = 0; i < args.Length; i++)
            if (args[i] == "--sizes") sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        try { MathNet.Numerics.Control.UseNativeOpenBLAS(); Console.WriteLine("MathNet OpenBLAS provider: enabled"); }
        catch (Exception e) { Console.WriteLine($"MathNet OpenBLAS provider: {e.GetType().Name}: {e.Message}"); }
        Console.WriteLine($"native LAPACK: {(NativeLapack.IsAvailable ? NativeLapack.LibraryName : "not available")}");
        Console.WriteLine("kernel          k   managed ms   MathNet ms    LAPACK ms");
        foreach (int k in sizes)
        {
            var rng = new Random(k);
            // A random symmetric positive definite matrix (column-major = row-major for a symmetric matrix).
            var g = DenseMatrix.Create(k, k, (_, _) => rng.NextDouble() - 0.5);
            var spd = (DenseMatrix)(g.TransposeThisAndMultiply(g) + DenseMatrix.CreateIdentity(k));
            var sym = (DenseMatrix)(g + g.Transpose());
            var work = new double[Math.Max(NativeLapack.SvdWorkSize(k), NativeLapack.SmallestEigenvalueWorkSize(k))];
            var iwork = new int[Math.Max(NativeLapack.SvdIntWorkSize(k), NativeLapack.SmallestEigenvalueIntWorkSize(k))];
            var a = new double[k * k]; var s = new double[k]; var u = new double[k * k]; var vt = new double[k * k]; var c = new double[k * k];
            var vals = new double[k]; var vecs = new double[k * k];
            bool native = NativeLapack.IsAvailable;

            Row("svd", k, double.NaN,
                Time(() => g.Svd(true)),
                native ? Time(() => { g.Values.CopyTo(a, 0); NativeLapack.TrySvd(a, k, s, u, vt, work, iwork); }) : double.NaN);
            Row("eig-min", k,
                Time(() => { sym.Values.CopyTo(a, 0); DenseKernels.SymmetricEigen(a, k, vals, vecs); }),
                Time(() => sym.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric)),
                native ? Time(() => { sym.Values.CopyTo(a, 0); NativeLapack.TrySmallestEigenvalue(a, k, work, iwork, out _); }) : double.NaN);
            Row("cholesky", k,
                Time(() => { spd.Values.CopyTo(a, 0); DenseKernels.CholeskyLower(a, k); }),
                Time(() => spd.Cholesky()),
                native ? Time(() => { spd.Values.CopyTo(a, 0); NativeLapack.TryCholeskyUpper(a, k); }) : double.NaN);
            var cm = new DenseMatrix(k, k);
            Row("gemm", k,
                Time(() => ManagedMultiply(g.Values, spd.Values, c, k)),
                Time(() => g.Multiply(spd, cm)),
                native ? Time(() => NativeLapack.Multiply(false, false, k, k, k, 1.0, g.Values, spd.Values, 0.0, c)) : double.NaN);
        }
    }

    /// <summary>C = A B, column-major, by axpy over columns (SIMD through TensorPrimitives): the managed reference.</summary>
    private static void ManagedMultiply(double[] a, double[] b, double[] c, int k)
    {
        Array.Clear(c);
        for (int j = 0; j < k; j++)
        {
            var cj = c.AsSpan(j * k, k);
            // C_:j = Σ_t B_tj A_:t.
            for (int t = 0; t < k; t++) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(a.AsSpan(t * k, k), b[j * k + t], cj, cj);
        }
    }

    private static void Row(string kernel, int k, double managed, double mathnet, double lapack) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kernel,-12} {k,4} {Ms(managed),12} {Ms(mathnet),12} {Ms(lapack),12}"));

    private static string Ms(double v) => double.IsNaN(v) ? "-" : v.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Median milliseconds per call over about 0.3 s of calls (at least 5) after one warm-up call.</summary>
    private static double Time(Action f)
    {
        f();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || (total.Elapsed.TotalSeconds < 0.3 && times.Count < 2000))
        {
            var sw = Stopwatch.StartNew();
            f();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
