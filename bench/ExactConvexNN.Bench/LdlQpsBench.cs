using System.Diagnostics;
using System.IO.Compression;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Bench;

/// <summary>
/// <c>ldl-qps FILE.QPS[.gz]</c>: the quasi-definite KKT matrix of the first interior-point iteration of a QPS file
/// (captured through the LDL backend hook), factored once per scheme of <see cref="SparseLdl"/>: structure of L
/// (dense trailing block, work in it and on its rows), factor and solve times, and the difference between the schemes.
/// </summary>
public static class LdlQpsBench
{
    /// <summary>Delegates to <see cref="SparseLdl"/> and keeps a copy of the first matrix it factors.</summary>
    private sealed class Capture(CscMatrix pattern) : ILdlFactorization
    {
        private readonly SparseLdl _inner = SparseLdl.Create(pattern);
        public CscMatrix Pattern { get; } = pattern;
        public double[]? Values; public sbyte[]? Signs;
        public int Dimension => _inner.Dimension;
        public int RegularizedPivots => _inner.RegularizedPivots;
        public bool Factor(ReadOnlySpan<double> upperValues, ReadOnlySpan<sbyte> signs, double regEpsilon, double regDelta)
        {
            Values ??= upperValues.ToArray(); Signs ??= signs.ToArray();
            return _inner.Factor(upperValues, signs, regEpsilon, regDelta);
        }
        public void Solve(Span<double> rhs) => _inner.Solve(rhs);
    }

    public static void Run(string[] args)
    {
        foreach (var file in args)
        {
            string name = Path.GetFileName(file).Split('.')[0];
            using var stream = File.OpenRead(file);
            using Stream data = file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
            using var reader = new StreamReader(data);
            var problem = QpsReader.Read(reader, name, name);
            Capture? capture = null;
            ConicSolver.Solve(problem.Problem, new SolverSettings { MaxIterations = 1 },
                ConicSolver.QuasiDefinite(p => capture ??= new Capture(p)));
            if (capture?.Values is null) { Console.WriteLine($"{name}: no KKT factorization captured"); continue; }
            Report(name, capture.Pattern, capture.Values, capture.Signs!);
        }
    }

    private static void Report(string name, CscMatrix k, double[] values, sbyte[] signs)
    {
        int n = k.Columns;
        var kv = CscMatrix.Create(n, n, k.ColumnPointers, k.RowIndices, values);
        var perm = FillReducingOrderings.Compute(k, FillReducingOrdering.Amd);
        var auto = SparseLdl.Create(k, perm);
        Console.WriteLine($"{name}: N {n}, nnz(K) {k.NonZeros}, nnz(L) {auto.NonZerosL}, Auto: dense tail {auto.DenseTailSize}");
        var b = new double[n];
        var rng = new Random(1);
        for (int i = 0; i < n; i++) b[i] = rng.NextDouble() * 2 - 1;
        SparseLdl? reference = null;
        foreach (var scheme in new[] { SparseLdlScheme.UpLooking, SparseLdlScheme.DenseTail })
        {
            var sw = Stopwatch.StartNew();
            var f = SparseLdl.Create(k, perm, scheme);
            double tSymbolic = sw.Elapsed.TotalSeconds;
            var times = new List<double>();
            bool ok = true;
            for (int run = 0; run < 3; run++)
            {
                sw.Restart();
                ok &= f.Factor(values, signs, 1e-13, 1e-7);
                times.Add(sw.Elapsed.TotalSeconds);
            }
            var x = (double[])b.Clone();
            sw.Restart();
            f.Solve(x);
            double tSolve = sw.Elapsed.TotalSeconds;
            var r = new double[n];
            kv.MultiplySymmetricUpper(x, r);
            double res = 0, nb = 0;
            for (int i = 0; i < n; i++) { res = Math.Max(res, Math.Abs(r[i] - b[i])); nb = Math.Max(nb, Math.Abs(b[i])); }
            string diff = "";
            if (reference is null) reference = f;
            else
            {
                double dd = 0, dl = 0, scale = 0;
                for (int i = 0; i < n; i++) dd = Math.Max(dd, Math.Abs(f.D[i] - reference.D[i]) / Math.Abs(reference.D[i]));
                var l0 = reference.LowerFactor(); var l1 = f.LowerFactor();
                for (int p = 0; p < l0.NonZeros; p++) { scale = Math.Max(scale, Math.Abs(l0.Values[p])); dl = Math.Max(dl, Math.Abs(l0.Values[p] - l1.Values[p])); }
                diff = $", max rel. diff D {dd:E1}, L {dl / scale:E1} (patterns {(l0.RowIndices.AsSpan(0, l0.NonZeros).SequenceEqual(l1.RowIndices.AsSpan(0, l1.NonZeros)) ? "equal" : "DIFFER")})";
            }
            Console.WriteLine($"  {scheme,-10} tail {f.DenseTailSize,5}: symbolic {tSymbolic:F3} s, factor {string.Join(" / ", times.Select(t => t.ToString("F3")))} s, solve {tSolve * 1e3:F1} ms, residual {(ok ? (res / nb).ToString("E1") : "failed")}, regularized {f.RegularizedPivots}{diff}");
        }
    }
}
