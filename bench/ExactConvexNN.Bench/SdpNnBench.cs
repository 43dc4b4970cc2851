using System.Globalization;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;

namespace ExactConvexNN.Bench;

/// <summary>
/// <c>sdp-nn [FOLDER] [--seed S]</c>: the semidefinite programs the neural-network models produce (the polynomial-activation
/// program of Bartan &amp; Pilanci, <see cref="PolynomialSdpProgram"/>: fully connected on Gaussian data of several sizes, and
/// a CNN on random 8x8 images), solved as the pipeline solves them (ecnn on the native program: equality rows, a quadratic
/// loss, 2 PSD blocks per output and pooling region) and by CSDP on the same program written as SDPA
/// (<see cref="SdpaWriter"/>: equalities eliminated, the loss through one epigraph block of order n + 1); ecnn on that SDPA
/// file too. Targets come from a planted network with the same activation plus noise. Objectives are compared with the
/// SDPA form's constant added back.
/// </summary>
public static class SdpNnBench
{
    public static void Run(string[] args)
    {
        string folder = Path.Combine(Path.GetTempPath(), "ecnn-sdp-nn-bench");
        int seed = 1;
        for (int i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: folder = args[i]; break;
            }
        Directory.CreateDirectory(folder);
        bool haveCsdp = SdpBench.CsdpAvailable();
        Console.WriteLine($"NN semidefinite programs in {folder}; CSDP {(haveCsdp ? "found" : "not found (install coinor-csdp)")}; native LAPACK {(ExactConvexNN.Solver.Linear.NativeLapack.IsAvailable ? "loaded" : "not found")}");
        // Warm-up (JIT), not timed.
        ConicSolver.Solve(Program(10, 3, null, seed).Problem);
        Console.WriteLine("case                n   blocks x order | ecnn native status  iters  seconds | ecnn SDPA status  iters  seconds  rel.diff | csdp iters seconds  rel.diff status | ratio native/csdp");
        (int N, int D, ImageShape? Image)[] cases =
        [
            (50, 5, null), (100, 10, null), (200, 10, null), (100, 20, null), (200, 30, null),
            (100, 64, new ImageShape(1, 8, 8, 4, 2, 0, 0)), (200, 64, new ImageShape(1, 8, 8, 4, 2, 0, 2)),
        ];
        foreach (var (n, d, image) in cases)
        {
            var program = Program(n, d, image, seed);
            string name = image is null ? $"fc_n{n}_d{d}" : $"cnn_n{n}_f{image.Filter}_pool{image.Pool}";
            var settings = new SolverSettings();
            SolverResult? native = null;
            var (nativeSeconds, _) = BenchRegistry.Measure(() => native = ConicSolver.Solve(program.Problem, settings));
            string path = Path.Combine(folder, name + ".dat-s");
            SdpaWriter.SdpaForm? form = null;
            using (var w = new StreamWriter(path)) form = SdpaWriter.Write(program.Problem, w, $"{name}: polynomial-activation two-layer network (Bartan & Pilanci), seed {seed}");
            SolverResult? viaFile = null;
            var (fileSeconds, _) = BenchRegistry.Measure(() => viaFile = ConicSolver.Solve(ProblemFile.Read(path).Problem, settings));
            double reference = native!.PrimalObjective;
            double Diff(double v) => Math.Abs(v - reference) / (1 + Math.Abs(reference));
            string line = string.Create(CultureInfo.InvariantCulture,
                $"{name,-18} {n,4} {program.Blocks,5} x {program.MatrixOrder,-4} | {native.Status.ToName(),-16} {native.Iterations,5} {nativeSeconds,8:F3} | {viaFile!.Status.ToName(),-16} {viaFile.Iterations,5} {fileSeconds,8:F3} {Diff(viaFile.PrimalObjective + form!.Constant),9:0.0e+00} |");
            if (haveCsdp)
            {
                var (cs, cobj, _, citers, code) = SdpBench.RunCsdp(path);
                line += string.Create(CultureInfo.InvariantCulture,
                    $" {citers,10} {cs,7:F3} {Diff(cobj + form.Constant),9:0.0e+00} {(code == 0 ? "ok" : code == 3 ? "partial" : $"code {code}"),-7} | {nativeSeconds / cs,8:F2}");
            }
            Console.WriteLine(line);
        }
    }

    /// <summary>The program for n samples of d Gaussian features (or 8x8 images), targets from a planted network of 3 neurons plus noise, beta 0.01.</summary>
    private static PolynomialSdpProgram Program(int n, int d, ImageShape? image, int seed)
    {
        var rng = new Random(seed * 7919 + n * 31 + d);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var arch = image is null ? NetworkArchitecture.FullyConnected(d) : NetworkArchitecture.Convolutional(image);
        var x = new double[n, d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i, j] = Gauss() / Math.Sqrt(d);
        var act = PolynomialActivation.Default;
        var patches = arch.ExtractPatches(x);
        int p = arch.PatchLength;
        var u = new double[3][];
        for (int k = 0; k < 3; k++) { u[k] = new double[p]; for (int j = 0; j < p; j++) u[k][j] = Gauss() / Math.Sqrt(p); }
        var y = new double[n, 1];
        for (int i = 0; i < n; i++)
        {
            double f = 0;
            for (int k = 0; k < 3; k++)
                for (int q = 0; q < arch.Patches; q++)
                {
                    double t = 0;
                    for (int j = 0; j < p; j++) t += patches[i][q * p + j] * u[k][j];
                    f += (k == 1 ? -1 : 1) * (act.A * t * t + act.B * t + act.C) / arch.Patches;
                }
            y[i, 0] = f + 0.1 * Gauss();
        }
        return PolynomialSdpProgram.Build(patches, y, arch, act, 0.01);
    }
}
