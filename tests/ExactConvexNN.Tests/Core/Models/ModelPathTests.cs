using ExactConvexNN.Data;
using ExactConvexNN.Models;
using FsCheck;
using FsCheck.Xunit;

namespace ExactConvexNN.Tests.Core.Models;

/// <summary>The warm-started regularization path (working sets of chambers) against cold training at each beta.</summary>
public class ModelPathTests
{
    [Property(Arbitrary = new[] { typeof(SeedArbitrary) }, MaxTest = 4, Replay = "20261202,9")]
    public void WarmPathIsCertifiedAtEveryBetaWithTheColdObjective(Seed seed)
    {
        var rng = new Random(seed);
        int n = rng.Next(4, 10);
        var x = new double[n, 2];
        var y = new double[n];
        for (int i = 0; i < n; i++) { x[i, 0] = rng.NextDouble() * 4 - 2; x[i, 1] = rng.NextDouble() * 4 - 2; y[i] = rng.NextDouble() * 4 - 2; }
        var data = Dataset.Create(x, y);
        var model = new ModelSpec { Beta = 1, Bias = true };
        var betas = ModelPath.LogSpaced(data, model, 5);
        var warm = ModelPath.Run(data, model, betas);
        var cold = ModelPath.Run(data, model, betas, warm: false);
        for (int i = 0; i < betas.Length; i++)
        {
            Assert.Equal(betas[i], warm[i].Model.Beta);
            Assert.True(warm[i].Certificate!.CertifiedOptimal, $"{seed}: beta {betas[i]}: relative gap {warm[i].Certificate!.RelativeGap:E2}");
            double scale = Math.Max(1e-300, Math.Abs(cold[i].RecoveredObjective));
            Assert.True(Math.Abs(warm[i].RecoveredObjective - cold[i].RecoveredObjective) <= 2e-6 * scale,
                $"{seed}: beta {betas[i]}: warm {warm[i].RecoveredObjective}, cold {cold[i].RecoveredObjective}");
            Assert.True(warm[i].Network.NeuronCount <= n);
        }
    }
}
