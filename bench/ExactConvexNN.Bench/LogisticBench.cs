using System.Diagnostics;
using System.Globalization;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Bench;

/// <summary>
/// ℓ2-regularized logistic regression min 1/n Σ log(1 + exp(-y_i a_i'w)) + λ/2 ||w||² as an exponential-cone program
/// (<see cref="ExponentialConeRows.AddSoftplusEpigraph"/>: 2 exponential cones and one inequality per sample) solved by the
/// project's IPM, against Newton's method on the smooth objective in the same process and, when <c>python3 -c 'import cvxopt'</c>
/// works, CVXOPT's <c>solvers.cp</c> on the same data (objective and Hessian supplied, so it is a Newton-type method too).
/// Data: a_i uniform in [-1, 1]^d, labels from a random linear rule with 10% of them flipped (not separable).
/// </summary>
internal static class LogisticBench
{
    public static void Run(string[] args)
    {
        var sizes = new List<(int N, int D)> { (100, 5), (500, 10), (2000, 20), (5000, 20), (10000, 50) };
        double lambda = 1e-3;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--sizes" && i + 1 < args.Length)
                sizes = args[++i].Split(',').Select(s => s.Split('x')).Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture))).ToList();
            else if (args[i] == "--lambda" && i + 1 < args.Length) lambda = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else { Console.Error.WriteLine($"error: unknown argument '{args[i]}'; use --sizes NxD,NxD,... and --lambda L"); Environment.Exit(2); }
        }
        bool cvxopt = Python("-c \"import cvxopt\"", out _) == 0;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; lambda {lambda.ToString("g3", CultureInfo.InvariantCulture)}; CVXOPT {(cvxopt ? "available" : "not available (python3 -c 'import cvxopt' fails): Newton reference only")}");
        // Warm-up (JIT) on a small instance, untimed.
        var (wx, wy) = Data(50, 3, seed: 1);
        ConicSolver.Solve(Program(wx, wy, lambda));
        Newton(wx, wy, lambda);
        Console.WriteLine("     n     d | ecnn status      iters   seconds  rel.err | Newton iters  seconds | CVXOPT status  iters  seconds  rel.err");
        foreach (var (n, d) in sizes)
        {
            var (x, y) = Data(n, d, seed: n * 31 + d);
            var p = Program(x, y, lambda);
            SolverResult? r = null;
            var (ours, _) = BenchRegistry.Measure(() => r = ConicSolver.Solve(p));
            (double[] W, double Value, int Iterations) newton = default;
            var (newtonSeconds, _) = BenchRegistry.Measure(() => newton = Newton(x, y, lambda));
            double err = Math.Abs(r!.PrimalObjective - newton.Value) / (1 + Math.Abs(newton.Value));
            string line = string.Create(CultureInfo.InvariantCulture,
                $"{n,6} {d,5} | {r.Status.ToName(),-16} {r.Iterations,5} {ours,9:F3} {err,8:0.0e+00} | {newton.Iterations,12} {newtonSeconds,8:F3} |");
            if (cvxopt)
            {
                var (status, iters, seconds, objective) = RunCvxopt(x, y, lambda);
                double cerr = Math.Abs(objective - newton.Value) / (1 + Math.Abs(newton.Value));
                line += string.Create(CultureInfo.InvariantCulture, $" {status,-14} {iters,5} {seconds,8:F3} {cerr,8:0.0e+00}");
            }
            else line += " -";
            Console.WriteLine(line);
        }
    }

    /// <summary>Features uniform in [-1, 1]^d; y = sign(a'w*) for a random w*, with every tenth label flipped.</summary>
    private static (double[,] X, double[] Y) Data(int n, int d, int seed)
    {
        var rng = new Random(seed);
        var truth = Enumerable.Range(0, d).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var x = new double[n, d];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double m = 0;
            for (int j = 0; j < d; j++) { x[i, j] = 2 * rng.NextDouble() - 1; m += truth[j] * x[i, j]; }
            y[i] = (m >= 0) ^ (i % 10 == 9) ? 1 : -1;
        }
        return (x, y);
    }

    /// <summary>The exponential-cone program: variables (w, s, u1, u2), objective 1/n Σ s + λ/2 ||w||².</summary>
    private static ConicProblem Program(double[,] x, double[] y, double lambda)
    {
        int n = x.GetLength(0), d = x.GetLength(1), cols = d + 3 * n;
        var a = new List<(int, int, double)>();
        var b = new List<double>();
        var cones = new List<ConeSpec>();
        for (int i = 0; i < n; i++)
        {
            int row = i;
            ExponentialConeRows.AddSoftplusEpigraph(a, b, cones, Enumerable.Range(0, d).Select(j => (j, -y[row] * x[row, j])), 0.0, d + i, d + n + i, d + 2 * n + i);
        }
        var q = new double[cols];
        for (int i = 0; i < n; i++) q[d + i] = 1.0 / n;
        var pd = CscMatrix.FromTriplets(cols, cols, Enumerable.Range(0, d).Select(j => (j, j, lambda)));
        return ConicProblem.Create(pd, q, CscMatrix.FromTriplets(b.Count, cols, a), [.. b], cones);
    }

    /// <summary>Newton's method with backtracking (dense d x d Hessian, Cholesky), until the predicted decrease is below 1e-18 or the loss stops decreasing; the count includes the final gradient evaluation.</summary>
    private static (double[] W, double Value, int Iterations) Newton(double[,] x, double[] y, double lambda)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var w = new double[d];
        var margin = new double[n];
        double Loss(double[] v)
        {
            double f = 0;
            for (int i = 0; i < n; i++)
            {
                double t = 0;
                for (int j = 0; j < d; j++) t += x[i, j] * v[j];
                t *= -y[i];
                f += t > 0 ? t + Math.Log(1 + Math.Exp(-t)) : Math.Log(1 + Math.Exp(t));
            }
            double r = 0;
            for (int j = 0; j < d; j++) r += v[j] * v[j];
            return f / n + 0.5 * lambda * r;
        }
        int iter = 0;
        var g = new double[d]; var h = new double[d * d]; var step = new double[d]; var trial = new double[d];
        for (; iter < 100; iter++)
        {
            for (int j = 0; j < d; j++) g[j] = lambda * w[j];
            Array.Clear(h);
            for (int j = 0; j < d; j++) h[j * d + j] = lambda;
            for (int i = 0; i < n; i++)
            {
                double t = 0;
                for (int j = 0; j < d; j++) t += x[i, j] * w[j];
                margin[i] = t;
                double sig = 1 / (1 + Math.Exp(y[i] * t)); // σ(-y t)
                double c = sig * (1 - sig) / n;
                for (int j = 0; j < d; j++)
                {
                    g[j] -= y[i] * x[i, j] * sig / n;
                    for (int k = 0; k <= j; k++) h[j * d + k] += c * x[i, j] * x[i, k];
                }
            }
            CholeskySolve(h, d, g, step);
            // Stop when half the squared Newton decrement g'H^-1 g (the predicted decrease) is below 1e-18.
            double decrement = 0;
            for (int j = 0; j < d; j++) decrement += g[j] * step[j];
            if (decrement < 2e-18) break;
            double f0 = Loss(w), s = 1, f1 = double.PositiveInfinity;
            for (int k = 0; k < 60; k++)
            {
                for (int j = 0; j < d; j++) trial[j] = w[j] - s * step[j];
                f1 = Loss(trial);
                if (f1 <= f0) break;
                s *= 0.5;
            }
            // At the rounding floor the loss no longer decreases: stop there.
            if (!(f1 < f0)) break;
            Array.Copy(trial, w, d);
        }
        return (w, Loss(w), iter + 1);
    }

    /// <summary>Solves H x = g for the symmetric positive definite H given by its lower triangle (row-major, d x d).</summary>
    private static void CholeskySolve(double[] h, int d, double[] g, double[] x)
    {
        var l = new double[d * d];
        for (int j = 0; j < d; j++)
        {
            double s = h[j * d + j];
            for (int k = 0; k < j; k++) s -= l[j * d + k] * l[j * d + k];
            l[j * d + j] = Math.Sqrt(s);
            for (int i = j + 1; i < d; i++)
            {
                double v = h[i * d + j];
                for (int k = 0; k < j; k++) v -= l[i * d + k] * l[j * d + k];
                l[i * d + j] = v / l[j * d + j];
            }
        }
        for (int i = 0; i < d; i++)
        {
            double v = g[i];
            for (int k = 0; k < i; k++) v -= l[i * d + k] * x[k];
            x[i] = v / l[i * d + i];
        }
        for (int i = d - 1; i >= 0; i--)
        {
            double v = x[i];
            for (int k = i + 1; k < d; k++) v -= l[k * d + i] * x[k];
            x[i] = v / l[i * d + i];
        }
    }

    /// <summary>CVXOPT's cp on the same objective (value, gradient and Hessian supplied), timed inside Python around the solve.</summary>
    private static (string Status, int Iterations, double Seconds, double Objective) RunCvxopt(double[,] x, double[] y, double lambda)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        string data = Path.GetTempFileName(), script = Path.ChangeExtension(Path.GetTempFileName(), ".py");
        try
        {
            using (var w = new StreamWriter(data))
                for (int i = 0; i < n; i++)
                    w.WriteLine(string.Join(',', new[] { y[i] }.Concat(Enumerable.Range(0, d).Select(j => x[i, j])).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            File.WriteAllText(script, CvxoptScript);
            if (Python($"\"{script}\" \"{data}\" {lambda.ToString("R", CultureInfo.InvariantCulture)}", out var output) != 0) return ("error", 0, double.NaN, double.NaN);
            var f = output.Trim().Split(' ');
            return (f[0], int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture));
        }
        finally { File.Delete(data); File.Delete(script); }
    }

    private const string CvxoptScript = """
        import sys, time, math
        from cvxopt import matrix, spmatrix, solvers, mul
        rows = [list(map(float, l.split(','))) for l in open(sys.argv[1]) if l.strip()]
        lam = float(sys.argv[2]); n = len(rows); d = len(rows[0]) - 1
        M = matrix([[-r[0] * r[j + 1] for r in rows] for j in range(d)])
        def F(x=None, z=None):
            if x is None: return 0, matrix(0.0, (d, 1))
            t = M * x
            f = sum(max(v, 0.0) + math.log1p(math.exp(-abs(v))) for v in t) / n + 0.5 * lam * (x.T * x)[0]
            sig = matrix([1.0 / (1.0 + math.exp(-v)) for v in t])
            Df = (M.T * sig / n + lam * x).T
            if z is None: return f, Df
            H = M.T * spmatrix(mul(sig, 1.0 - sig) / n, range(n), range(n)) * M
            for j in range(d): H[j, j] += lam
            return f, Df, z[0] * H
        solvers.options.update({'show_progress': False, 'abstol': 1e-10, 'reltol': 1e-10, 'feastol': 1e-10})
        t0 = time.perf_counter(); sol = solvers.cp(F); t1 = time.perf_counter()
        print(sol['status'], sol['iterations'], '%.6f' % (t1 - t0), '%.17g' % F(sol['x'])[0])
        """;

    private static int Python(string arguments, out string output)
    {
        output = "";
        try
        {
            var psi = new ProcessStartInfo("python3", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            _ = err.Result;
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) { return -1; }
    }
}
