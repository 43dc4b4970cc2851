using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Problem;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Models;

/// <summary>How exact training runs (what is trained is the <see cref="ModelSpec"/>).</summary>
public sealed record TrainingOptions
{
    /// <summary>Families with chambers: use this many random-direction samples instead of exact enumeration (the result is then an upper bound).</summary>
    public int? Sample { get; init; }
    /// <summary>Seed of the sampler.</summary>
    public int Seed { get; init; }
    /// <summary>
    /// With <see cref="Sample"/>: first-layer directions (patch length each) whose patterns join the random ones, for
    /// example a first-order network's weights, so that the program contains that network and its value is never above it.
    /// </summary>
    public IReadOnlyList<double[]>? Directions { get; init; }
    /// <summary>Refuse exact enumeration above this estimate.</summary>
    public long MaxPatterns { get; init; } = ArrangementOptions.DefaultMaxPatterns;
    /// <summary>Keep only facet rows in each block (ReLU programs).</summary>
    public bool FacetReduction { get; init; } = true;
    /// <summary>Use the block-structured KKT solver for ReLU programs (otherwise the generic sparse LDL path).</summary>
    public bool StructuredSolver { get; init; } = true;
    /// <summary>
    /// Three-layer ReLU: refuse exact training above this many estimated pattern pairs (first-layer x second-layer chambers);
    /// by default <see cref="ThreeLayerReluFamily.DefaultMaxPatternPairs"/>.
    /// </summary>
    public long? MaxPatternPairs { get; init; }
    /// <summary>
    /// The exact chambers of this data, enumerated before (a regularization path reuses them across betas); null to
    /// enumerate (or sample).
    /// </summary>
    public Arrangement? Chambers { get; init; }
    /// <summary>
    /// ReLU: the program's blocks are only these chambers of <see cref="Chambers"/> (a working set, as the warm-started
    /// path uses); the certificate still checks every chamber. Null for all of them.
    /// </summary>
    public IReadOnlyList<Chamber>? WorkingSet { get; init; }
    /// <summary>
    /// ReLU with exact chambers and no <see cref="WorkingSet"/>: solve over a working set of chambers grown until its
    /// multipliers bound the full program (<see cref="ChamberScreening"/>), the full program when that stops paying. The
    /// optimum and the certificate over every chamber are the same either way; false always solves the full program.
    /// </summary>
    public bool Screening { get; init; } = true;
    /// <summary>
    /// ReLU with <see cref="Screening"/>: the first working set (for example the chambers a nearby beta's optimum used, as
    /// the warm-started path passes them), instead of the chambers the zero network's residual violates most. Only chambers
    /// of <see cref="Chambers"/> count. Null for the default.
    /// </summary>
    public IReadOnlyList<Chamber>? FirstWorkingSet { get; init; }
    /// <summary>Interior-point settings.</summary>
    public SolverSettings Solver { get; init; } = new();
    /// <summary>ReLU: blocks below this fraction of the largest block norm are pruned from the recovered network.</summary>
    public double PruneTolerance { get; init; } = 1e-6;
    /// <summary>
    /// ReLU: prune the recovered network to at most n neurons with the same predictions and no more weight decay
    /// (<see cref="NeuronPruning"/>; the pruned network is kept only when its objective is not above the unpruned one's).
    /// </summary>
    public bool Prune { get; init; } = true;
    /// <summary>
    /// ReLU: recovery polishes the solution's support while the network's objective is more than this, relative, above the
    /// convex value: ten times the solver's default tolerance.
    /// </summary>
    public double RecoveryTolerance { get; init; } = 1e-7;
    /// <summary>
    /// Vector-output ReLU: full-batch Adam epochs (step <see cref="PolishStep"/>) that polish the network read from the
    /// relaxation on the nonconvex objective when it is above the relaxation's value; 0 for none.
    /// </summary>
    public int PolishEpochs { get; init; } = 3000;
    /// <summary>Vector-output ReLU: Adam's step for the polish.</summary>
    public double PolishStep { get; init; } = 1e-3;
    /// <summary>Poly: eigenvalues and weights below this fraction of the largest diagonal entry are dropped in the decomposition.</summary>
    public double DropTolerance { get; init; } = 1e-8;
    /// <summary>
    /// Refuse a program whose estimated memory is above this many bytes (<see cref="TrainingGuards.CheckReluProgramSize"/>);
    /// by default <see cref="TrainingGuards.DefaultMemoryLimit"/>.
    /// </summary>
    public long? MaxMemoryBytes { get; init; }
    /// <summary>Certify the trained network (a lower bound over every chamber; not for sampled patterns).</summary>
    public bool Certify { get; init; } = true;
    /// <summary>The relative gap under which the trained network counts as certified optimal.</summary>
    public double CertificateTolerance { get; init; } = Certificate.DefaultTolerance;
    /// <summary>
    /// Called with (phase, done, total) while enumerating ("enumerating chambers", chambers found of the estimate) and while
    /// solving ("solving (interior point)", tenths of the digits of accuracy reached of those the tolerance asks for).
    /// </summary>
    public Action<string, int, int>? Progress { get; init; }
}

/// <summary>The program a family built: the conic problem the solver saw, and how the family describes it.</summary>
public interface IConvexProgram
{
    /// <summary>The conic program.</summary>
    ConicProblem Problem { get; }
    /// <summary>One line for people ("1,234 variables, 5,678 rows, ...").</summary>
    string Describe();
    /// <summary>The family's own keys of the program for <c>train --json</c> (sign rows, PSD blocks, ...), given the solution.</summary>
    JsonObject Details(ReadOnlySpan<double> solution);
}

/// <summary>
/// The outcome of exact training, the same record for every family:
/// <list type="bullet">
/// <item><see cref="Status"/>: the solver's status;</item>
/// <item><see cref="Primal"/>: the convex (or SDP) objective recomputed from the solution's blocks; <see cref="Dual"/>: the solver's dual value;
/// <see cref="RelativeGap"/>: |primal - dual| / max(1, min(|primal|, |dual|)), the solver's measure;</item>
/// <item><see cref="Network"/> and <see cref="RecoveredObjective"/>: the recovered network and its objective computed from the network itself
/// (the two values agree at an optimum);</item>
/// <item><see cref="Certificate"/>: a lower bound independent of the solver, and the network's gap to it (null when not certified, e.g. sampled patterns);</item>
/// <item>the regions: <see cref="Chambers"/> (activation patterns of the arrangement, families with chambers),
/// <see cref="PoolingRegions"/> (pooling regions of the architecture, 1 when fully connected);</item>
/// <item>sizes and times of each stage.</item>
/// </list>
/// With sampling (<see cref="Sampled"/>), the value is only an upper bound on the exact optimum.
/// </summary>
public sealed record TrainingResult
{
    /// <summary>The model trained.</summary>
    public required ModelSpec Model { get; init; }
    /// <summary>The solver's status.</summary>
    public required SolverStatus Status { get; init; }
    /// <summary>The program's objective recomputed from the solution's blocks.</summary>
    public required double Primal { get; init; }
    /// <summary>The solver's dual objective.</summary>
    public required double Dual { get; init; }
    /// <summary>|primal - dual| / max(1, min(|primal|, |dual|)) (the solver's relative gap; <see cref="Status"/> is solved only when it is within tolerance).</summary>
    public required double RelativeGap { get; init; }
    /// <summary>The recovered network.</summary>
    public required INetwork Network { get; init; }
    /// <summary>The network's training objective computed from the network itself.</summary>
    public required double RecoveredObjective { get; init; }
    /// <summary>The targets the program fitted (n x O).</summary>
    public required double[,] Targets { get; init; }
    /// <summary>Training accuracy when classifying (null otherwise).</summary>
    public double? TrainAccuracy { get; init; }
    /// <summary>The program.</summary>
    public required IConvexProgram Program { get; init; }
    /// <summary>The solver's result.</summary>
    public required SolverResult Solution { get; init; }
    /// <summary>
    /// The multipliers of the n O equality rows (e = f(X) - Y), as an n x O matrix: at the optimum they equal the residual
    /// Y - f(X) and solve the dual, so they are the natural candidate for a certificate.
    /// </summary>
    public required double[,] DualCandidate { get; init; }
    /// <summary>
    /// ReLU, exact chambers: beta_max, the smallest beta at which the zero network is optimal (<see cref="TrainingGuards.ReluBetaMax(double[,], double[,], LossFunction, Arrangements.Arrangement)"/>);
    /// null for other families and for sampled patterns.
    /// </summary>
    public double? BetaMax { get; init; }
    /// <summary>
    /// ReLU with <see cref="TrainingOptions.Prune"/>: the neurons recovered from the program before pruning
    /// (<see cref="NeuronPruning"/>); null when not pruned.
    /// </summary>
    public int? NeuronsBeforePruning { get; init; }
    /// <summary>Vector-output ReLU: the relaxation's pair-row multipliers per chamber, candidates for the certificate (null otherwise).</summary>
    public IReadOnlyDictionary<Chamber, double[]>? PairMultipliers { get; init; }
    /// <summary>
    /// Vector-output ReLU: the objective of the network read from the relaxation's blocks before the first-order polish
    /// (<see cref="RecoveredObjective"/> is the final network's); null otherwise.
    /// </summary>
    public double? UnpolishedObjective { get; init; }
    /// <summary>The certificate of the recovered network (null when not certified).</summary>
    public Certificate? Certificate { get; init; }
    /// <summary>The chambers, for families with an arrangement (null otherwise).</summary>
    public Arrangement? Arrangement { get; init; }
    /// <summary>Chambers left out of the program as numerically thin (<see cref="ChamberCone.ThinWidth"/>); certificates still check them.</summary>
    public int ThinChambers { get; init; }
    /// <summary>
    /// Chamber screening (<see cref="TrainingOptions.Screening"/>): the chambers of the working set the final program ran over,
    /// the rounds (programs solved) and their interior-point iterations in all; null when the program ran over every chamber.
    /// </summary>
    public (int Chambers, int Rounds, int Iterations)? WorkingSet { get; init; }
    /// <summary>Number of chambers (activation patterns) of the arrangement; null for families without one.</summary>
    public int? Chambers => Arrangement?.Chambers.Count;
    /// <summary>Three-layer ReLU: the pattern pairs (D_i, D_j) of the double arrangement the program ran over; null otherwise.</summary>
    public long? PatternPairs { get; init; }
    /// <summary>Number of pooling regions of the architecture (1 when fully connected).</summary>
    public int PoolingRegions => Network.Architecture.Regions.Count;
    /// <summary>True when the chambers were sampled: the optimum found is an upper bound on the exact one.</summary>
    public bool Sampled => Arrangement?.Sampled ?? false;
    /// <summary>What the preparation stage did ("enumeration" of chambers, or "build" of the program).</summary>
    public required string PreparePhase { get; init; }
    /// <summary>Seconds of the preparation stage.</summary>
    public required double PrepareSeconds { get; init; }
    /// <summary>Seconds in the solver (with polishing solves).</summary>
    public required double SolveSeconds { get; init; }
    /// <summary>Seconds of the certificate.</summary>
    public double CertificateSeconds { get; init; }
    /// <summary>Seconds end to end.</summary>
    public required double Seconds { get; init; }
}
