using System.Diagnostics;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Bench;

/// <summary>
/// Certifying a network against training it exactly, on planted Gaussian data in R^3 (n = 200: 39,802 chambers),
/// beta 0.01: the exact training time, then the verification of its network (with the trainer's dual candidate) with
/// the chambers enumerated afresh and with the trainer's chambers reused, and of an Adam-trained network.
/// Arguments: [n ...] (default 200).
/// </summary>
public static class VerifyBench
{
    public static void Run(string[] args)
    {
        var sizes = args.Where(a => int.TryParse(a, out _)).Select(int.Parse).DefaultIfEmpty(200).ToArray();
        var warm = TrainBench.Planted(10, 3, 0);
        ModelPipeline.Train(warm, new ModelSpec { Beta = 0.01 }); // JIT warm-up
        Console.WriteLine($"{"n",5} {"chambers",9} {"train s",8} {"verify s",9} {"(reused)",9} {"adam s",7} {"verify adam s",13} {"exact rel.gap",13} {"adam rel.gap",12} {"peak MiB",9}");
        foreach (int n in sizes)
        {
            var data = TrainBench.Planted(n, 3, 42 + n);
            TrainingResult? r = null;
            var (train, _) = BenchRegistry.Measure(() => r = ModelPipeline.Train(data, new ModelSpec { Beta = 0.01 }, new TrainingOptions { Certify = false }));
            Certificate? fresh = null, reused = null, adamCert = null;
            var (verify, _) = BenchRegistry.Measure(() => fresh = OptimalityVerifier.Verify(data, 0.01, (TwoLayerReluNetwork)r!.Network, candidate: Column(r.DualCandidate)));
            var (verifyReused, _) = BenchRegistry.Measure(() => reused = OptimalityVerifier.Verify(data, 0.01, (TwoLayerReluNetwork)r!.Network, r.Arrangement, Column(r.DualCandidate)));
            NonconvexResult? adam = null;
            var (adamSeconds, _) = BenchRegistry.Measure(() => adam = NonconvexTrainer.Train(data, new ModelSpec { Beta = 0.01 }, new NonconvexOptions { Neurons = 10, Epochs = 2000, Seed = 1 }));
            var (verifyAdam, peak) = BenchRegistry.Measure(() => adamCert = OptimalityVerifier.Verify(data, 0.01, (TwoLayerReluNetwork)adam!.Network, r!.Arrangement));
            Console.WriteLine($"{n,5} {fresh!.Chambers,9} {train,8:F2} {verify,9:F2} {verifyReused,9:F2} {adamSeconds,7:F2} {verifyAdam,13:F2} {reused!.RelativeGap,13:E1} {adamCert!.RelativeGap,12:E1} {peak,9:F0}");
        }
    }

    private static double[] Column(double[,] v) => Enumerable.Range(0, v.GetLength(0)).Select(i => v[i, 0]).ToArray();
}
