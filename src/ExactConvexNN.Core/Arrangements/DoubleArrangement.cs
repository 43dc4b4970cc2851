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
/// sum_j D_j X b_j lies in the subspace V = span_j range(D_j X) of R^n. Its patterns are the chambers of the arrangement
/// of the rows of B, a matrix whose columns are a basis of V: the pivot columns of M = [D_1 X, ..., D_P X], chosen in
/// exact integer arithmetic (<see cref="ExactRows.RankAndPivots"/>), so B's entries are entries of X.</item>
/// </list>
/// Every h in V lies in the closure of an outer chamber i, where (h)_+ = D_i h and (2 D_i - I) h &gt;= 0; every first-layer
/// neuron lies in the closure of an inner chamber. A pattern pair (D_i, D_j) has the witness pair (c_i, g_j): the
/// chambers' integer witnesses (B c_i has the signs of D_i, X g_j those of D_j, strictly).
/// </summary>
public sealed class DoubleArrangement
{
    /// <summary>The chambers of X's rows (first-layer patterns).</summary>
    public required Arrangement Inner { get; init; }
    /// <summary>The chambers of B's rows (second-layer patterns).</summary>
    public required Arrangement Outer { get; init; }
    /// <summary>B (n x r): a basis of V = span_j range(D_j X) in columns of M = [D_1 X, ..., D_P X].</summary>
    public required double[,] OuterMatrix { get; init; }
    /// <summary>The inner chambers that are not all zero (an all-zero first-layer pattern adds nothing).</summary>
    public IReadOnlyList<Chamber> InnerChambers => Inner.Chambers.Where(c => !c.IsAllZero).ToArray();
    /// <summary>The outer chambers that are not all zero (an all-zero second-layer pattern outputs 0).</summary>
    public IReadOnlyList<Chamber> OuterChambers => Outer.Chambers.Where(c => !c.IsAllZero).ToArray();
    /// <summary>Pattern pairs (D_i, D_j) with neither all zero: the blocks of the three-layer program per sign.</summary>
    public long PatternPairs => (long)InnerChambers.Count * OuterChambers.Count;
    /// <summary>True when either layer's patterns were sampled (a subset of the exact ones).</summary>
    public bool Sampled => Inner.Sampled || Outer.Sampled;

    /// <summary>
    /// Both arrangements, exactly. The limit of <paramref name="options"/> applies to each enumeration; callers check the
    /// pair count first with <see cref="EstimatedPairs"/>.
    /// </summary>
    /// <exception cref="InputException">A non-finite value, or too many chambers.</exception>
    public static DoubleArrangement Enumerate(double[,] x, ArrangementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inner = ArrangementEnumerator.Enumerate(x, options);
        var b = OuterBasis(x, inner.Chambers);
        var outer = ArrangementEnumerator.Enumerate(b, options with { Progress = null });
        return new DoubleArrangement { Inner = inner, Outer = outer, OuterMatrix = b };
    }

    /// <summary>Both layers' patterns sampled with <paramref name="samples"/> random directions each (a subset of the exact pairs).</summary>
    /// <exception cref="InputException">Fewer than 1 sample, or a non-finite value.</exception>
    public static DoubleArrangement Sample(double[,] x, int samples, int seed)
    {
        var inner = ArrangementEnumerator.Sample(x, samples, seed);
        var b = OuterBasis(x, inner.Chambers);
        var outer = ArrangementEnumerator.Sample(b, samples, seed + 1);
        return new DoubleArrangement { Inner = inner, Outer = outer, OuterMatrix = b };
    }

    /// <summary>
    /// B: the columns of M = [D_1 X, ..., D_P X] (over the given inner chambers) that exact elimination picks as pivots, a
    /// basis of M's column space. Rows of M are scaled to integers by powers of two, which keeps column dependencies.
    /// Without a nonzero chamber (X = 0) B is one zero column: V = {0}, and no second-layer unit outputs anything.
    /// </summary>
    public static double[,] OuterBasis(double[,] x, IReadOnlyList<Chamber> inner)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(inner);
        int n = x.GetLength(0), d = x.GetLength(1);
        var live = inner.Where(c => !c.IsAllZero).ToArray();
        int columns = live.Length * d;
        var rows = new BigInteger[n][];
        var row = new double[columns];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < live.Length; c++)
                for (int k = 0; k < d; k++) row[c * d + k] = live[c][r] ? x[r, k] : 0;
            rows[r] = ExactRows.ToIntegers(row);
        }
        var (rank, pivots) = ExactRows.RankAndPivots(rows, columns);
        var b = new double[n, Math.Max(rank, 1)];
        for (int r = 0; r < n; r++)
            for (int t = 0; t < rank; t++)
            {
                int col = pivots[t];
                b[r, t] = live[col / d][r] ? x[r, col % d] : 0;
            }
        return b;
    }

    /// <summary>
    /// An upper estimate of the pattern pairs before any enumeration: the inner closed-form estimate times the most
    /// chambers n hyperplanes of rank min(n, inner x d) can make (2 sum_{k&lt;r} C(n - 1, k)).
    /// </summary>
    public static (BigInteger Inner, BigInteger Outer) Estimate(double[,] x)
    {
        var summary = ArrangementEnumerator.Summarize(x);
        int n = x.GetLength(0);
        var innerSpan = summary.EstimatedChambers * summary.Columns;
        int rank = innerSpan >= n ? n : (int)innerSpan;
        return (summary.EstimatedChambers, ChamberRecursion.GeneralPositionCount(n, rank));
    }

    /// <summary>The estimated pattern pairs, inner x outer (<see cref="Estimate"/>).</summary>
    public static BigInteger EstimatedPairs(double[,] x)
    {
        var (inner, outer) = Estimate(x);
        return inner * outer;
    }
}
