using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;

namespace ExactConvexNN.Tests.Poly;

public sealed class PolySdpTests
{
    [Theory]
    [InlineData(30, 3, 0.1, 1)]
    [InlineData(40, 5, 1.0, 2)]
    [InlineData(25, 2, 0.01, 3)]
    public void RecoveredNetworkObjectiveEqualsTheSdpOptimum(int n, int d, double beta, int seed)
    {
        var data = PolyTestData.Regression(n, d, seed);
        var r = PolyTrainer.Train(data, new PolyTrainingOptions { Beta = beta });
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.True(r.RelativeGap < 1e-6, $"gap {r.RelativeGap}");
        Assert.True(Math.Abs(r.RecoveredObjective - r.Primal) <= 1e-6 * Math.Abs(r.Primal), $"recovered {r.RecoveredObjective} vs sdp {r.Primal}");
        Assert.True(r.Network.MaxNormDeviation() < 1e-8, $"norm deviation {r.Network.MaxNormDeviation()}");
        // Independent recomputation from the data.
        double direct = r.Network.Objective(data.X, ClassTargets.Column(data.Y!), beta);
        Assert.Equal(r.RecoveredObjective, direct, 1e-9 * Math.Max(1, Math.Abs(direct)));
    }
}
