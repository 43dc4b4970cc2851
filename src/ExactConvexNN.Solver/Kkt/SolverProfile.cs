using System.Diagnostics;

namespace ExactConvexNN.Solver.Kkt;

/// <summary>The phases <see cref="SolverProfile"/> accumulates (training pipeline, IPM and block-angular KKT solver).</summary>
public enum ProfilePhase
{
    /// <summary>Chamber enumeration.</summary>
    Enumeration,
    /// <summary>Thin-chamber test and facet rows per chamber.</summary>
    FacetRows,
    /// <summary>Assembly of the conic program.</summary>
    ProgramAssembly,
    /// <summary>Equilibration and the KKT solver's analysis and fixed data.</summary>
    SolverSetup,
    /// <summary>NT scaling of the cones, per iteration.</summary>
    Scaling,
    /// <summary>Per-block factorizations S_b = L L' and (S_b^-1)_JJ = R R'.</summary>
    BlockFactor,
    /// <summary>Formation of the Schur complement M = H_0 + A_0c P_c^-1 A_0c' + Σ Z_b Z_b'.</summary>
    SchurFormation,
    /// <summary>Cholesky of the Schur complement.</summary>
    SchurFactor,
    /// <summary>Elimination passes (first solve and refinement corrections).</summary>
    SolvePass,
    /// <summary>Residuals of the KKT system for iterative refinement.</summary>
    RefinementResidual,
    /// <summary>The rest of the interior-point iteration (residuals, steps, directions outside the KKT solver).</summary>
    IterationOther,
    /// <summary>Recovery of the network (pruning, polishing solves).</summary>
    Recovery,
    /// <summary>The dual certificate over every chamber.</summary>
    Certificate,
}

/// <summary>
/// Process-wide accumulated wall time and call counts per <see cref="ProfilePhase"/>, for benchmarks and profiles
/// (<c>bench -- train</c>). Only the thread that drives a solve records (never from inside a parallel section), so the
/// counters need no locking; concurrent solves in one process mix their figures. Recording allocates nothing.
/// </summary>
public static class SolverProfile
{
    private static readonly long[] Ticks = new long[Enum.GetValues<ProfilePhase>().Length];
    private static readonly long[] Counts = new long[Ticks.Length];

    /// <summary>Clears every phase.</summary>
    public static void Reset() { Array.Clear(Ticks); Array.Clear(Counts); }

    /// <summary>A timestamp to pass to <see cref="Stop"/>.</summary>
    public static long Start() => Stopwatch.GetTimestamp();

    /// <summary>Adds the time since <paramref name="start"/> to <paramref name="phase"/> and counts one call.</summary>
    public static void Stop(ProfilePhase phase, long start)
    {
        Ticks[(int)phase] += Stopwatch.GetTimestamp() - start;
        Counts[(int)phase]++;
    }

    /// <summary>Seconds accumulated in <paramref name="phase"/> since the last <see cref="Reset"/>.</summary>
    public static double Seconds(ProfilePhase phase) => (double)Ticks[(int)phase] / Stopwatch.Frequency;

    /// <summary>Calls recorded in <paramref name="phase"/> since the last <see cref="Reset"/>.</summary>
    public static long Calls(ProfilePhase phase) => Counts[(int)phase];
}
