using System.Numerics;
using ExactConvexNN.Numerics;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Arrangements;

/// <summary>
/// The double hyperplane arrangement of a three-layer ReLU network f(x) = sum_k ((x'W_k)_+ w_k)_+ c_k: the activation
/// patterns of its two ReLU layers on the data.
/// <list type="bullet">
/// <item><b>Inner</b> patterns D_j = diag(1[X a &gt;= 0]) of a first-layer neuron a: the chambers of the arrangement of X's
/// rows (<see cref="ArrangementEnumerator"/>), as for two layers.</item>
/// <item><b>Outer</b> patterns D_i = diag(1[h &gt;= 0]) of a second-layer unit, whose input h = sum_l (X a_l)_+ w_l =
/// sum_j A_j b_j lies in the subspace V = span_j range(A_j) of R^n, A_j = D_j X (for a CNN on stacked patch rows,
/// A_j = sum_k D_jk X_k: each sample's active patch rows summed). Its patterns are the chambers of the arrangement of the
/// rows of B, a matrix whose columns are a basis of V: the pivot columns of M = [A_1, ..., A_P], chosen in exact integer
/// arithmetic (<see cref="ExactRows.RankAndPivots"/> on X scaled by one power of two, so the sums are exact).</item>
/// </list>
/// Every h in V lies in the closure of an outer chamber i, where (h)_+ = D_i h and (2 D_i - I) h &gt;= 0; every first-layer
/// neuron lies in the closure of an inner chamber. A pattern pair (D_i, D_j) has the witness pair (c_i, g_j): the
/// chambers' integer witnesses (B c_i has the signs of D_i, X g_j those of D_j, strictly).
/// </summary>
public sealed class DoubleArrangement
{
    private Chamber[]? _innerChambers, _outerChambers;   // filtered once, on first use

    /// <summary>The chambers of X's rows (first-layer patterns).</summary>
    public required Arrangement Inner { get; init; }
    /// <summary>The chambers of B's rows (second-layer patterns).</summary>
    public required Arrangement Outer { get; init; }
    /// <summary>B (n x r): a basis of V = span_j range(D_j X) in columns of M = [D_1 X, ..., D_P X].</summary>
    public required double[,] OuterMatrix { get; init; }
    /// <summary>The inner chambers that are not all zero (an all-zero first-layer pattern adds nothing).</summary>
    public IReadOnlyList<Chamber> InnerChambers => _innerChambers ??= Inner.Chambers.Where(c => !c.IsAllZero).ToArray();
    /// <summary>The outer chambers that are not all zero (an all-zero second-layer pattern outputs 0).</summary>
    public IReadOnlyList<Chamber> OuterChambers => _outerChambers ??= Outer.Chambers.Where(c => !c.IsAllZero).ToArray();
    /// <summary>Pattern pairs (D_i, D_j) with neither all zero: the blocks of the three-layer program per sign.</summary>
    public long PatternPairs => (long)InnerChambers.Count * OuterChambers.Count;
    /// <summary>True when either layer's patterns were sampled (a subset of the exact ones).</summary>
    public bool Sampled => Inner.Sampled || Outer.Sampled;

    /// <summary>
    /// Both arrangements, exactly. The limit of <paramref name="options"/> applies to each enumeration; callers check the
    /// pair count first with <see cref="EstimatedPairs"/>.
    /// </summary>
    /// <exception cref="InputException">A non-finite value, or too many chambers.</exception>
    public static DoubleArrangement Enumerate(double[,] x, ArrangementOptions options, int? samples = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inner = ArrangementEnumerator.Enumerate(x, options);
        var b = OuterBasis(x, inner.Chambers, samples);
        var outer = ArrangementEnumerator.Enumerate(b, options with { Progress = null });
        return new DoubleArrangement { Inner = inner, Outer = outer, OuterMatrix = b };
    }

    /// <summary>Both layers' patterns sampled with <paramref name="samples"/> random directions each (a subset of the exact pairs).</summary>
    /// <exception cref="InputException">Fewer than 1 sample, or a non-finite value.</exception>
    public static DoubleArrangement Sample(double[,] x, int samples, int seed, int? rows = null)
    {
        var inner = ArrangementEnumerator.Sample(x, samples, seed);
        var b = OuterBasis(x, inner.Chambers, rows);
        var outer = ArrangementEnumerator.Sample(b, samples, seed + 1);
        return new DoubleArrangement { Inner = inner, Outer = outer, OuterMatrix = b };
    }

    /// <summary>
    /// B (n x r): the columns of M = [A_1, ..., A_P] (over the given inner chambers; A_j = sum_k D_jk X_k, D_j X when fully
    /// connected) that exact elimination picks as pivots, a basis of M's column space. X is scaled to integers by one
    /// power of two, so the sums are exact; B holds the scaled integers (the same patterns), which must be exact in doubles.
    /// Without a nonzero chamber (X = 0) B is one zero column: V = {0}, and no second-layer unit outputs anything.
    /// </summary>
    /// <param name="x">X, or the stacked patch rows of a CNN (row r belongs to sample r mod n).</param>
    /// <param name="inner">The first-layer chambers over X's rows.</param>
    /// <param name="samples">The number of samples n (X's rows when null).</param>
    /// <exception cref="InputException">An aggregated entry too large to be exact in a double.</exception>
    public static double[,] OuterBasis(double[,] x, IReadOnlyList<Chamber> inner, int? samples = null)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(inner);
        int rows = x.GetLength(0), d = x.GetLength(1), n = samples ?? rows;
        if (n < 1 || rows % n != 0) throw new ArgumentException($"{rows} rows are not a whole number of patches for {n} samples");
        var flat = new double[rows * d];
        for (int r = 0; r < rows; r++) for (int k = 0; k < d; k++) flat[r * d + k] = x[r, k];
        var scaled = ExactRows.ToIntegers(flat);     // one power of two for every entry
        var live = inner.Where(c => !c.IsAllZero).ToArray();
        int columns = live.Length * d;
        var m = new BigInteger[n][];
        for (int t = 0; t < n; t++) m[t] = new BigInteger[columns];
        for (int c = 0; c < live.Length; c++)
            for (int r = 0; r < rows; r++)
                if (live[c][r]) for (int k = 0; k < d; k++) m[r % n][c * d + k] += scaled[r * d + k];
        var (rank, pivots) = ExactRows.RankAndPivots(m, columns);
        var b = new double[n, Math.Max(rank, 1)];
        for (int t = 0; t < n; t++)
            for (int p = 0; p < rank; p++)
            {
                var value = m[t][pivots[p]];
                double v = (double)value;
                if (new BigInteger(v) != value)
                    throw new InputException("the summed patches of the data are not exact in doubles (values of too different magnitudes); rescale or round the data");
                b[t, p] = v;
            }
        return b;
    }

    /// <summary>
    /// An upper estimate of the pattern pairs before any enumeration: the inner closed-form estimate times the most
    /// chambers n hyperplanes of rank min(n, inner x d) can make (2 sum_{k&lt;r} C(n - 1, k)).
    /// </summary>
    public static (BigInteger Inner, BigInteger Outer) Estimate(double[,] x, int? samples = null)
    {
        var summary = ArrangementEnumerator.Summarize(x);
        int n = samples ?? x.GetLength(0);
        var innerSpan = summary.EstimatedChambers * summary.Columns;
        int rank = innerSpan >= n ? n : (int)innerSpan;
        return (summary.EstimatedChambers, ChamberRecursion.GeneralPositionCount(n, rank));
    }

    /// <summary>The estimated pattern pairs, inner x outer (<see cref="Estimate"/>).</summary>
    public static BigInteger EstimatedPairs(double[,] x, int? samples = null)
    {
        var (inner, outer) = Estimate(x, samples);
        return inner * outer;
    }
}
