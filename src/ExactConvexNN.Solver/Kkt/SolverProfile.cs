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
    /// <summary>Products with the constraint matrix in a KKT solver's structured form (<see cref="IConstraintOperator"/>).</summary>
    StructuredProduct,
    /// <summary>The rest of the interior-point iteration (residuals, steps, directions outside the KKT solver).</summary>
    IterationOther,
    /// <summary>Step lengths to the cone boundaries (inside the iteration; for semidefinite cones a factorization and an eigenvalue each).</summary>
    StepLength,
    /// <summary>Chamber screening: the supports of the working set's multipliers over every chamber, per round.</summary>
    Screening,
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
    private static readonly long[] CpuNanoseconds = new long[Ticks.Length];
    [ThreadStatic] private static long[]? _cpuStack;   // CPU time at each open Start (phases nest: Start/Stop pair up last in, first out)
    [ThreadStatic] private static int _cpuDepth;

    /// <summary>Also record the recording thread's CPU time per phase (Linux only; with one worker it is the phase's whole CPU time).</summary>
    public static bool ThreadCpu { get; set; }

    /// <summary>Clears every phase.</summary>
    public static void Reset() { Array.Clear(Ticks); Array.Clear(Counts); Array.Clear(CpuNanoseconds); }

    /// <summary>A timestamp to pass to <see cref="Stop"/>.</summary>
    public static long Start()
    {
        if (ThreadCpu)
        {
            _cpuStack ??= new long[32];
            if (_cpuDepth < _cpuStack.Length) _cpuStack[_cpuDepth] = ThreadCpuNanoseconds();
            _cpuDepth++;
        }
        return Stopwatch.GetTimestamp();
    }

    /// <summary>Adds the time since <paramref name="start"/> to <paramref name="phase"/> and counts one call (Start/Stop pairs nest).</summary>
    public static void Stop(ProfilePhase phase, long start)
    {
        Ticks[(int)phase] += Stopwatch.GetTimestamp() - start;
        Counts[(int)phase]++;
        if (ThreadCpu && _cpuDepth > 0)
        {
            _cpuDepth--;
            if (_cpuDepth < _cpuStack!.Length) CpuNanoseconds[(int)phase] += ThreadCpuNanoseconds() - _cpuStack[_cpuDepth];
        }
    }

    /// <summary>CPU seconds of the recording thread in <paramref name="phase"/> (0 unless <see cref="ThreadCpu"/>).</summary>
    public static double CpuSeconds(ProfilePhase phase) => CpuNanoseconds[(int)phase] * 1e-9;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec value);

    private static long ThreadCpuNanoseconds()
    {
        try { return ClockGetTime(3, out var t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : 0; }   // CLOCK_THREAD_CPUTIME_ID
        catch (DllNotFoundException) { return 0; }
        catch (EntryPointNotFoundException) { return 0; }
    }

    /// <summary>Seconds accumulated in <paramref name="phase"/> since the last <see cref="Reset"/>.</summary>
    public static double Seconds(ProfilePhase phase) => (double)Ticks[(int)phase] / Stopwatch.Frequency;

    /// <summary>Calls recorded in <paramref name="phase"/> since the last <see cref="Reset"/>.</summary>
    public static long Calls(ProfilePhase phase) => Counts[(int)phase];
}
