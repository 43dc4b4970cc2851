using System.Diagnostics;

namespace ExactConvexNN.Bench;

/// <summary>Where benchmarks register themselves: add one line per benchmark in <see cref="Register"/>.</summary>
public static partial class BenchRegistry
{
    public static void Register(Dictionary<string, (string Description, Action<string[]> Run)> benchmarks)
    {
        benchmarks["verify"] = ("certificate vs exact training, planted ReLU data in R^3 (n = 200: 39,802 chambers), beta 0.01 [n ...]; and an Adam network", VerifyBench.Run);
        benchmarks["train"] = ("exact training end to end, planted ReLU data in R^3, beta 0.01 [n ...] [--generic]; and iris", TrainBench.Run);
        benchmarks["path"] = ("regularization path warm-started vs cold, every point certified: [DATA.csv] (default iris_sepal with a bias) [--path N] (20) [--no-cold]", PathBench.Run);
        benchmarks["arrangements"] = ("exact chamber enumeration, Gaussian data (n,d) = (200,3), (1000,2), (50,4), ...", ArrangementsBench.Run);
        benchmarks["socp"] = ("conic IPM on planted random sparse SOCPs (1k, 10k, 100k variables): iterations, time, peak memory [maxVariables]", ConicBench.RunSocp);
        benchmarks["qp"] = ("conic IPM on planted random sparse QPs (1k, 10k, 100k variables): iterations, time, peak memory [maxVariables]", ConicBench.RunQp);
        benchmarks["ldl"] = ("sparse LDL' on 2-D/3-D grid KKT matrices: ordering/symbolic/numeric times, nnz(L) AMD vs natural [maxRows]", LdlBench.Run);
        benchmarks["sdp"] = ("SDPA families of the standard library kinds (random, control, hinf, gpp, truss, structural, maxcut, theta, qap): ecnn vs CSDP iterations and times [FOLDER] [--sizes K,..] [--families F,..] [--dense] [--verbose] [--method auto|homogeneous|infeasible-start|both] [--equilibration N]", SdpBench.Run);
        benchmarks["sdp-nn"] = ("the neural-network semidefinite programs (polynomial activation, FC and CNN): ecnn on the native program vs CSDP on its SDPA form (SdpaWriter) [FOLDER] [--seed S]", SdpNnBench.Run);
        benchmarks["sdp-kernels"] = ("dense kernels of a semidefinite iteration (SVD, smallest eigenvalue, Cholesky, product): managed vs MathNet vs native LAPACK [--sizes 20,50,124,200]", SdpKernelsBench.Run);
        benchmarks["poly-digits"] = ("polynomial-activation CNN (SDP of Bartan & Pilanci) on 8x8 digits 3 vs 8 vs Adam on the same network [--pair A,B] [--beta B] [--filter f] [--stride s] [--pool p] [--neurons m] [--inits K] [--epochs E] [--lr L]", PolyDigitsBench.Run);
        benchmarks["cnn"] = ("exact two-layer ReLU CNN (Ergen & Pilanci): the synthetic signals experiment against SGD/Adam and the same-size FC program; 8x8 digits exact and sampled [--beta B] [--neurons m] [--epochs E] [--digits N] [--sampled N] [--sample K]", CnnBench.Run);
        benchmarks["layerwise"] = ("layerwise training on 8x8 digits (the 'Peeking into the black box' experiment): J convex two-layer CNN blocks vs the same stack by Adam, objective and accuracies per layer, SVG [--pair A,B] [--train N] [--layers J] [--beta B] [--filter f] [--stride s] [--padding p] [--feature-pool q] [--features C] [--sample K] [--epochs E] [--svg FILE]", LayerwiseBench.Run);
        benchmarks["ldl-qps"] = ("sparse LDL' schemes on the first KKT matrix of QPS files: structure of L, factor and solve times: FILE.QPS.gz ...", LdlQpsBench.Run);
        benchmarks["maros"] = ("Maros-Meszaros QPs (gzipped QPS + optima.tsv): status, iterations, time, error against the reference optimum: DIR [--time-limit S] [--only NAME,NAME]", MarosBench.Run);
        benchmarks["logistic"] = ("l2-regularized logistic regression as an exponential-cone program (2 exp cones per sample) vs Newton's method and, if python3 has cvxopt, CVXOPT cp: objectives and times [--sizes NxD,...] [--lambda L]", LogisticBench.Run);
        benchmarks["lp"] = ("the pipeline's LP sites (chamber witnesses, cone supports / beta_max, chamber widths) and LP files (problems/solver, planted LPs): own code vs OR-Tools GLOP and PDLP [--sizes N,N,..]", LpBench.Run);
        benchmarks["gen-socp"] = ("write random sparse SOCP / QP-as-SOCP CBF files: FOLDER [--count K] [--n N] [--seed S] [--density D]; or FOLDER --planted N... (the socp benchmark's own problems)", GenSocpBench.Run);
    }

    /// <summary>Runs <paramref name="action"/> and returns (seconds, peak working set in MiB during the process so far).</summary>
    public static (double Seconds, double PeakMiB) Measure(Action action)
    {
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        var sw = Stopwatch.StartNew();
        action();
        sw.Stop();
        using var p = Process.GetCurrentProcess();
        return (sw.Elapsed.TotalSeconds, p.PeakWorkingSet64 / (1024.0 * 1024.0));
    }

    /// <summary>
    /// Like <see cref="Measure"/>, and also the CPU seconds the whole process used meanwhile (all threads, GC included):
    /// on a shared machine the wall time of a single-threaded run grows with the other load, its CPU time much less.
    /// </summary>
    public static (double Seconds, double CpuSeconds, double PeakMiB) MeasureWithCpu(Action action)
    {
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        using var before = Process.GetCurrentProcess();
        var cpu = before.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        sw.Stop();
        using var p = Process.GetCurrentProcess();
        return (sw.Elapsed.TotalSeconds, (p.TotalProcessorTime - cpu).TotalSeconds, p.PeakWorkingSet64 / (1024.0 * 1024.0));
    }
}
