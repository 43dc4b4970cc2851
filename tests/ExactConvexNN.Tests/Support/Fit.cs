using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Tests.Support;

/// <summary>What every training result offers, forwarded from the pipeline's record.</summary>
public abstract record FitBase(TrainingResult Result)
{
    public SolverStatus Status => Result.Status;
    public double Primal => Result.Primal;
    public double Dual => Result.Dual;
    public double RelativeGap => Result.RelativeGap;
    public double RecoveredObjective => Result.RecoveredObjective;
    public SolverResult Solution => Result.Solution;
    public Certificate? Certificate => Result.Certificate;
}

/// <summary>A ReLU training result seen through its family's types (the pipeline's record holds them as interfaces).</summary>
public sealed record ReluFit(TrainingResult Result) : FitBase(Result)
{
    public TwoLayerReluNetwork Network => (TwoLayerReluNetwork)Result.Network;
    public ConvexReluProgram Program => (ConvexReluProgram)Result.Program;
    public Arrangement Arrangement => Result.Arrangement!;
    public double[] DualCandidate => Enumerable.Range(0, Result.DualCandidate.GetLength(0)).Select(i => Result.DualCandidate[i, 0]).ToArray();
    public bool Sampled => Result.Sampled;
    public int ThinChambers => Result.ThinChambers;
}

/// <summary>A polynomial training result seen through its family's types.</summary>
public sealed record PolyFit(TrainingResult Result) : FitBase(Result)
{
    public PolyNetwork Network => (PolyNetwork)Result.Network;
    public PolynomialSdpProgram Program => (PolynomialSdpProgram)Result.Program;
    public double[,] DualCandidate => Result.DualCandidate;
    public double[,] Targets => Result.Targets;
    public double? Accuracy => Result.TrainAccuracy;
}

/// <summary>Training through the pipeline (<see cref="ModelPipeline.Train"/>), typed for the family under test.</summary>
public static class Fit
{
    public static ReluFit Relu(Dataset data, double beta, bool bias = false, TrainingOptions? options = null) =>
        new(ModelPipeline.Train(data, new ModelSpec { Beta = beta, Bias = bias }, options));

    public static ReluFit Relu(Dataset data, ModelSpec model, TrainingOptions? options = null) =>
        new(ModelPipeline.Train(data, model, options));

    public static PolyFit Poly(Dataset data, ModelSpec model, TrainingOptions? options = null) =>
        new(ModelPipeline.Train(data, model with { Activation = ActivationKind.Poly }, options));

    /// <summary>A first-order run on the ReLU network of beta (and bias).</summary>
    public static NonconvexResult Descend(Dataset data, double beta, bool bias, NonconvexOptions options) =>
        NonconvexTrainer.Train(data, new ModelSpec { Beta = beta, Bias = bias }, options);
}
