using ExactConvexNN.Numerics;
using System.Diagnostics;
using System.Numerics;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Arrangements;

/// <summary>Options of <see cref="ArrangementEnumerator.Enumerate(double[,], ArrangementOptions?)"/>.</summary>
public sealed record ArrangementOptions
{
    /// <summary>The default refusal threshold on the estimated number of chambers.</summary>
    public const long DefaultMaxPatterns = 500_000;
    /// <summary>Refuse to enumerate when the closed-form estimate exceeds this.</summary>
    public long MaxPatterns { get; init; } = DefaultMaxPatterns;
    /// <summary>Compute the independent count (deletion-restriction) as well.</summary>
    public bool IndependentCount { get; init; } = true;
    /// <summary>Called with (hyperplanes done, hyperplanes) during the enumeration.</summary>
    public Action<int, int>? Progress { get; init; }
    /// <summary>Cancels a long enumeration.</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>The cheap facts about an arrangement, known before enumerating.</summary>
/// <param name="Rows">n.</param>
/// <param name="Columns">d.</param>
/// <param name="RankEstimate">Rank of X modulo a large prime (equal to the rank except with negligible probability).</param>
/// <param name="Hyperplanes">Distinct hyperplanes (nonzero rows up to nonzero scaling), exact.</param>
/// <param name="EstimatedChambers">2 sum_{k&lt;r} C(m-1, k) with m hyperplanes and the rank estimate r.</param>
public sealed record ArrangementSummary(int Rows, int Columns, int RankEstimate, int Hyperplanes, BigInteger EstimatedChambers)
{
    /// <summary>
    /// Estimated bytes per chamber of exact training (<see cref="ArrangementEnumerator.EstimatedBytesPerChamber"/> for
    /// these rows, columns and rank).
    /// </summary>
    public long BytesPerChamber => ArrangementEnumerator.EstimatedBytesPerChamber(Rows, Columns, RankEstimate);

    /// <summary>Estimated peak bytes of exact training: <see cref="EstimatedChambers"/> times <see cref="BytesPerChamber"/>.</summary>
    public BigInteger EstimatedBytes => EstimatedChambers * BytesPerChamber;
}

/// <summary>The estimated number of chambers is above the limit: enumerate with a higher limit or sample instead.</summary>
public sealed class ArrangementTooLargeException(ArrangementSummary summary, long limit)
    : InputException($"the arrangement has about {summary.EstimatedChambers:N0} chambers (n={summary.Rows}, rank {summary.RankEstimate}, {summary.Hyperplanes} hyperplanes), above the limit of {limit:N0}; exact training would need about {FormatBytes(summary.EstimatedBytes)} ({summary.BytesPerChamber:N0} bytes per chamber); raise the limit (--max-patterns) or sample patterns instead (--sample K)")
{
    /// <summary>What was estimated.</summary>
    public ArrangementSummary Summary { get; } = summary;
    /// <summary>The limit that was exceeded.</summary>
    public long Limit { get; } = limit;

    private static string FormatBytes(BigInteger bytes) =>
        bytes >= new BigInteger(1L << 30) ? $"{(double)bytes / (1L << 30):N1} GiB" : $"{(double)bytes / (1L << 20):N0} MiB";
}

/// <summary>
/// Exact enumeration of the chambers of the central arrangement {g : x_j'g = 0} of a data matrix X (n x d): every
/// activation pattern 1[Xg &gt;= 0] of one ReLU neuron that holds on an open set of g. No floating-point sign decision is
/// made: rows are scaled to integers (<see cref="ExactRows"/>), the arrangement is taken in the coordinates of r pivot
/// columns of X (r = rank; every chamber of R^d is the preimage of one in R^r, and g = h placed at the pivot columns,
/// zero elsewhere, is a witness), and chambers are enumerated by restriction (<see cref="ChamberRecursion"/>).
/// </summary>
public static class ArrangementEnumerator
{
    private sealed record Prepared(int N, int D, BigInteger[][] Canonical, int[] RowHyperplane, int[] RowOrientation, int[] Representative);

    /// <summary>The rows as integers, their distinct hyperplanes (canonical normals in R^d) and each row's orientation.</summary>
    private static Prepared Prepare(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        if (d == 0) throw new InputException("the data has no feature column; add at least one feature");
        var index = new Dictionary<BigInteger[], int>(VectorComparer.Instance);
        var canonical = new List<BigInteger[]>();
        var representative = new List<int>();
        var rowHyperplane = new int[n];
        var rowOrientation = new int[n];
        var row = new double[d];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < d; i++)
            {
                row[i] = x[j, i];
                if (!double.IsFinite(row[i])) throw new InputException($"row {j + 1}, column {i + 1} is {row[i]}; remove or impute non-finite values");
            }
            var v = ExactRows.ToIntegers(row);
            int o = ExactRows.Canonicalize(v);
            rowOrientation[j] = o;
            if (o == 0) { rowHyperplane[j] = -1; continue; }
            if (!index.TryGetValue(v, out int h)) { h = canonical.Count; index.Add(v, h); canonical.Add(v); representative.Add(j); }
            rowHyperplane[j] = h;
        }
        return new Prepared(n, d, canonical.ToArray(), rowHyperplane, rowOrientation, representative.ToArray());
    }

    /// <summary>Rows, columns, rank estimate, distinct hyperplanes and the closed-form chamber estimate, without enumerating.</summary>
    public static ArrangementSummary Summarize(double[,] x) => Summarize(Prepare(x));

    private static ArrangementSummary Summarize(Prepared p)
    {
        int r = ExactRows.RankModPrime(p.Canonical, p.D);
        return new ArrangementSummary(p.N, p.D, r, p.Canonical.Length, ChamberRecursion.GeneralPositionCount(p.Canonical.Length, r));
    }

    /// <summary>
    /// Enumerates every chamber exactly. Throws <see cref="ArrangementTooLargeException"/> (before any work beyond the
    /// estimate) when the closed-form estimate exceeds <see cref="ArrangementOptions.MaxPatterns"/>.
    /// </summary>
    /// <exception cref="InputException">No feature column, a non-finite value, or too many chambers.</exception>
    public static Arrangement Enumerate(double[,] x, ArrangementOptions? options = null) => Enumerate(x, options, FlatRecursionRank);

    /// <summary>
    /// Estimated bytes per chamber of exact training on an n x d matrix of rank r (n rows or patch rows), enumeration and
    /// program together, calibrated on planted data in R^3 (n = 100: 35 KB measured, 23 KB + runtime estimated; n = 200:
    /// 48 KB measured, 42 KB estimated). With a = n/2 active rows per chamber (the average; for a CNN the samples touched,
    /// at most n) and F = 2(r - 1) facet rows (the average of a generic arrangement):
    /// <code>
    ///   chamber     n/8 + 48 d + 200                       activation bits, integer witness, facet list
    ///   program     56 (2 d (a + 1 + F) + 2)               the nonzeros of the block's columns (12 bytes each) in the
    ///                                                      program, its equilibrated copy and the assembly's copies
    ///   KKT solver  a (8 d + 4) + 8 (2d + 2)² + 12 (2d + 2 + 2 d F)   coupling rows G_b V_b, factor of S_b, rows of A_b
    ///   iteration   200 (4 (d + 1) + 2 F)                  about 25 vectors over the block's variables and cone rows
    /// </code>
    /// The program's nonzeros dominate: 56 · 2 d · n/2 bytes per chamber (at n = 500, d = 3: 84 KB of 100 KB).
    /// </summary>
    /// <param name="rows">Rows n of X (all n K patch rows for a CNN).</param>
    /// <param name="columns">Columns d of X.</param>
    /// <param name="rank">Rank r of X.</param>
    public static long EstimatedBytesPerChamber(int rows, int columns, int rank)
    {
        long a = Math.Max(1, rows / 2), d = columns, f = 2L * Math.Max(1, rank - 1);
        long chamber = rows / 8 + 48 * d + 200;
        long program = 56 * (2 * d * (a + 1 + f) + 2);
        long solver = a * (8 * d + 4) + 8 * (2 * d + 2) * (2 * d + 2) + 12 * (2 * d + 2 + 2 * d * f);
        long iteration = 200 * (4 * (d + 1) + 2 * f);
        return chamber + program + solver + iteration;
    }

    /// <summary>The rank from which chambers are enumerated flat by flat (<see cref="FlatRecursion"/>).</summary>
    internal const int FlatRecursionRank = 4;

    /// <summary>As <see cref="Enumerate(double[,], ArrangementOptions?)"/> with the rank from which <see cref="FlatRecursion"/> is used (tests compare the two methods).</summary>
    internal static Arrangement Enumerate(double[,] x, ArrangementOptions? options, int flatRecursionFromRank)
    {
        options ??= new ArrangementOptions();
        var clock = Stopwatch.StartNew();
        var prepared = Prepare(x);
        var summary = Summarize(prepared);
        if (summary.EstimatedChambers > options.MaxPatterns) throw new ArrangementTooLargeException(summary, options.MaxPatterns);

        var (rank, pivots, local, localOrientation) = PivotCoordinates(prepared);
        var arrangement = new CentralArrangement(rank, local);
        // Up to rank 3 restriction by restriction is fastest (planar base cases after one step); above, a flat is reached
        // along many paths and FlatRecursion enumerates each flat once.
        var regions = rank >= flatRecursionFromRank
            ? FlatRecursion.Chambers(arrangement, options.Progress, options.Cancellation)
            : ChamberRecursion.Chambers(arrangement, options.Progress, options.Cancellation);

        // Witnesses are computed on first use, here, in parallel (a shared sub-chamber's witness may be computed twice,
        // to the same value); the order of the chambers is the enumeration's.
        var built = new Chamber[regions.Count];
        Parallel.For(0, regions.Count, new ParallelOptions { CancellationToken = options.Cancellation },
            i => built[i] = ToChamber(prepared, regions[i], pivots, localOrientation));
        var chambers = new List<Chamber>(built);

        BigInteger? expected = null; string? method = null;
        if (options.IndependentCount)
        {
            int m = local.Length;
            if (rank <= 2 || m <= rank) { expected = ChamberRecursion.GeneralPositionCount(m, rank); method = "general position (closed form)"; }
            else { expected = ChamberRecursion.Count(arrangement, options.Cancellation); method = "deletion-restriction (Zaslavsky)"; }
        }
        return new Arrangement
        {
            Rows = prepared.N, Columns = prepared.D, Rank = rank, Hyperplanes = local.Length,
            RowHyperplane = prepared.RowHyperplane, Chambers = chambers, ExpectedChambers = expected, CountMethod = method,
            EstimatedChambers = ChamberRecursion.GeneralPositionCount(local.Length, rank), Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// Random-direction sampling, the approximate method of the papers: g ~ N(0, I_d), keep the pattern 1[Xg &gt;= 0] when g
    /// lies strictly inside a chamber (decided exactly; a g on a hyperplane is discarded). The result is always a subset
    /// of the exact chambers; facets are not determined. The useful work is capped: sampling stops once it has found the
    /// closed-form count 2 sum_{k&lt;r} C(m-1, k) (no arrangement of rank r with m hyperplanes has more chambers), or after
    /// <see cref="MaxFruitlessSamples"/> consecutive directions found nothing new; <see cref="Arrangement.SamplingStopped"/> says which.
    /// </summary>
    /// <param name="x">The rows.</param>
    /// <param name="samples">Random directions to draw.</param>
    /// <param name="seed">Seed of the directions.</param>
    /// <param name="directions">
    /// Directions whose patterns are kept first, each when it lies strictly inside a chamber (for example the weights of a
    /// network trained otherwise, so that the program contains its patterns); not counted in <paramref name="samples"/>.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> is below 1.</exception>
    public static Arrangement Sample(double[,] x, int samples, int seed = 0, IReadOnlyList<double[]>? directions = null)
    {
        if (samples < 1) throw new InputException($"--sample needs at least 1 direction, got {samples}");
        var clock = Stopwatch.StartNew();
        var prepared = Prepare(x);
        var summary = Summarize(prepared);
        int n = prepared.N, d = prepared.D, words = (n + 63) >> 6;
        var rows = prepared.RowHyperplane.Select((h, j) => h < 0 ? null : Scaled(prepared.Canonical[h], prepared.RowOrientation[j])).ToArray();
        var rng = new Random(seed);
        var seen = new HashSet<ulong[]>(BitsComparer.Instance);
        var chambers = new List<Chamber>();
        var g = new double[d];
        long drawn = 0, fruitless = 0;
        string? stopped = null;
        foreach (var given in directions ?? [])
        {
            if (given.Length != d || given.Any(v => !double.IsFinite(v))) throw new ArgumentException($"a given direction needs {d} finite entries");
            Keep(ExactRows.ToIntegers(given));
        }
        for (int s = 0; s < samples; s++)
        {
            if (chambers.Count >= summary.EstimatedChambers)
            { stopped = $"all {summary.EstimatedChambers:N0} possible patterns found (the closed-form maximum)"; break; }
            if (fruitless >= MaxFruitlessSamples(chambers.Count))
            { stopped = $"no new pattern in the last {fruitless:N0} directions"; break; }
            drawn++;
            for (int i = 0; i < d; i++) g[i] = Gaussian(rng);
            if (Keep(ExactRows.ToIntegers(g))) fruitless = 0; else fruitless++;
        }

        // Keeps the pattern of gi when gi is strictly inside a chamber (decided exactly) and the pattern is new.
        bool Keep(BigInteger[] gi)
        {
            var bits = new ulong[words];
            for (int j = 0; j < n; j++)
            {
                int sign = rows[j] is null ? 1 : ExactRows.Dot(rows[j], gi).Sign;
                if (sign == 0) return false;
                if (sign > 0) bits[j >> 6] |= 1UL << (j & 63);
            }
            if (!seen.Add(bits)) return false;
            chambers.Add(new Chamber(n, bits, gi, null));
            return true;
        }
        return new Arrangement
        {
            Rows = n, Columns = d, Rank = summary.RankEstimate, Hyperplanes = prepared.Canonical.Length,
            RowHyperplane = prepared.RowHyperplane, Chambers = chambers, EstimatedChambers = summary.EstimatedChambers,
            Sampled = true, SamplesDrawn = drawn, SamplingStopped = stopped, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>Consecutive directions without a new pattern after which sampling stops: max(10,000, 10 x patterns found).</summary>
    public static long MaxFruitlessSamples(int found) => Math.Max(10_000L, 10L * found);

    private static BigInteger[] Scaled(BigInteger[] v, int orientation) => orientation > 0 ? v : v.Select(e => -e).ToArray();

    private static double Gaussian(Random rng)
    {
        // Box-Muller.
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>
    /// Exact rank r and pivot columns P of X; each hyperplane's normal restricted to P, canonicalized (the restriction is
    /// injective on the row space, so distinct hyperplanes stay distinct), and the orientation between the two forms.
    /// </summary>
    private static (int Rank, int[] Pivots, BigInteger[][] Local, int[] LocalOrientation) PivotCoordinates(Prepared p)
    {
        var (rank, pivots) = ExactRows.RankAndPivots(p.Canonical, p.D);
        var local = new BigInteger[p.Canonical.Length][];
        var orientation = new int[p.Canonical.Length];
        for (int h = 0; h < local.Length; h++)
        {
            local[h] = pivots.Select(c => p.Canonical[h][c]).ToArray();
            orientation[h] = ExactRows.Canonicalize(local[h]);
        }
        return (rank, pivots, local, orientation);
    }

    private static Chamber ToChamber(Prepared p, Region region, int[] pivots, int[] localOrientation)
    {
        int n = p.N;
        var bits = new ulong[(n + 63) >> 6];
        for (int j = 0; j < n; j++)
        {
            int h = p.RowHyperplane[j];
            // A zero row is active (0 >= 0); otherwise x_j'g has the sign of the hyperplane's side times both orientations.
            bool active = h < 0 || (((region.Signs[h >> 6] >> (h & 63)) & 1UL) != 0) == (p.RowOrientation[j] * localOrientation[h] > 0);
            if (active) bits[j >> 6] |= 1UL << (j & 63);
        }
        var g = new BigInteger[p.D];
        for (int i = 0; i < pivots.Length; i++) g[pivots[i]] = region.Witness[i];
        if (pivots.Length == 0) g[0] = BigInteger.One;
        var facets = region.Facets.Select(f => p.Representative[f]).Order().ToArray();
        return new Chamber(n, bits, g, facets);
    }
}
