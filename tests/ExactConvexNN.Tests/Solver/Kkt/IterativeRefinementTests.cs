using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Kkt;

namespace ExactConvexNN.Tests.Solver.Kkt;

/// <summary>
/// The shared iterative refinement on a scalar system K v = b with an approximate inverse K̃^-1 = 1/k̃: each step
/// multiplies the error by 1 - K/k̃, so the number of steps taken and the final residual are known exactly.
/// </summary>
public sealed class IterativeRefinementTests
{
    private sealed class Scalar(double k, double kTilde, double b) : IRefinementTarget
    {
        public double V = b / kTilde, Residual, Correction;
        public int Corrections;
        public double ComputeResidual() { Residual = b - k * V; return Math.Abs(Residual); }
        public void SolveCorrection() { Correction = Residual / kTilde; Corrections++; }
        public void AddCorrection(double sign) => V += sign * Correction;
    }

    [Fact]
    public void ZeroStepsLeavesTheFirstSolutionUntouched()
    {
        var t = new Scalar(1.0, 2.0, 1.0);
        double res = new IterativeRefinement(new SolverSettings { RefinementSteps = 0 }).Run(t, 1.0);
        Assert.Equal(0, t.Corrections);
        Assert.Equal(0.5, t.V);
        Assert.Equal(0.5, res);
    }

    [Fact]
    public void ConvergentRefinementReachesTheToleranceWithinTheStepLimit()
    {
        // Error factor 1 - 1/1.25 = 0.2 per step (at least the stop ratio 5): the residual 0.2 shrinks to 0.2^(k+1).
        var t = new Scalar(1.0, 1.25, 1.0);
        double res = new IterativeRefinement(new SolverSettings { RefinementSteps = 30, RefinementStopRatio = 4.0 }).Run(t, 1.0);
        Assert.True(res <= 1e-12 + 1e-12, $"residual {res}");
        Assert.True(t.Corrections is > 10 and < 30);
        Assert.Equal(1.0, t.V, 2e-12);
    }

    [Fact]
    public void SlowProgressStopsAfterTheStepThatMadeIt()
    {
        // Error factor 0.5 per step, less than the default stop ratio 5: one correction is kept, then refinement stops.
        var t = new Scalar(1.0, 2.0, 1.0);
        double res = new IterativeRefinement(new SolverSettings()).Run(t, 1.0);
        Assert.Equal(1, t.Corrections);
        Assert.Equal(0.75, t.V);
        Assert.Equal(0.25, res);
    }

    [Fact]
    public void ACorrectionThatIncreasesTheResidualIsUndone()
    {
        // K̃ = K/3: the correction overshoots (error factor -2), so it is undone and v keeps its first value.
        var t = new Scalar(3.0, 1.0, 1.0);
        new IterativeRefinement(new SolverSettings()).Run(t, 1.0);
        Assert.Equal(1, t.Corrections);
        Assert.Equal(1.0, t.V);
    }
}
