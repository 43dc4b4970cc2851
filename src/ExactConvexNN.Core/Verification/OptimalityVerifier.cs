using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Verification;

/// <summary>
/// Certifies how far any two-layer ReLU network is from the global optimum, without trusting a solver. The dual of the
/// convex program is
/// <code>
///   max  -1/2 ||v - y||^2 + 1/2 ||y||^2   s.t.   max_{||g|| &lt;= 1} |v'(Xg)_+| &lt;= beta,
/// </code>
/// and rho(v) = max_{||g||&lt;=1} |v'(Xg)_+| = max over chambers i of the support values of +-X'D_i v on the chamber's
/// closed cone (an exact small projection each, bounded from above by <see cref="ConeSupport"/>). For a candidate v
/// (by default the network's residual y - f(X)), t v with t = clamp(v'y/||v||^2, 0, beta/rho) is dual feasible, so its
/// dual value is a lower bound on the optimum. The bound depends only on the exact chamber enumeration and this
/// formula.
/// <para>
/// Any convex loss L and O outputs (O sub-networks sharing nothing but the loss,
/// <see cref="Verify(Dataset, double, TwoLayerReluNetwork, LossFunction, Arrangement, double[,], double, long, double)"/>):
/// the dual is max h(V) s.t. rho(V_o) &lt;= beta for every output column o, with h(V) = inf_F L(F, Y) + &lt;V, F&gt; = -L*(-V)
/// (<see cref="LossFunction.Conjugate"/>). The candidate (the network's -grad L, or the solver's multipliers) is moved into
/// the domain of h, and t V with t &lt;= min_o beta / rho(V_o) (and inside the domain) is dual feasible; the best such t
/// gives the bound. For the squared loss and one output this is the formula above.
/// </para>
/// </summary>
public static class OptimalityVerifier
{
    /// <summary>The default relative gap under which a network counts as certified optimal (<see cref="Certificate.DefaultTolerance"/>).</summary>
    public const double DefaultTolerance = Certificate.DefaultTolerance;

    /// <summary>The default absolute gap under which a network counts as certified optimal (<see cref="Certificate.DefaultAbsoluteTolerance"/>).</summary>
    public const double DefaultAbsoluteTolerance = Certificate.DefaultAbsoluteTolerance;

    /// <summary>Certifies <paramref name="network"/> on <paramref name="data"/> (features without the bias column, targets required).</summary>
    /// <param name="data">The training data.</param>
    /// <param name="beta">The weight decay.</param>
    /// <param name="network">Any two-layer ReLU network with the data's number of inputs.</param>
    /// <param name="arrangement">The exact chambers of the network's input matrix (with the bias column if the network has one); enumerated when null.</param>
    /// <param name="candidate">A dual candidate v (length n), such as the trainer's multipliers (kept in the network file as
    /// "dual_candidate"); the network's residual y - f(X) is always tried too, and the better bound is kept.</param>
    /// <param name="tolerance">Relative gap for <see cref="Certificate.CertifiedOptimal"/>.</param>
    /// <param name="maxPatterns">Refusal threshold of the enumeration.</param>
    /// <param name="absoluteTolerance">Gap for <see cref="Certificate.CertifiedOptimal"/> regardless of the objective's size.</param>
    /// <exception cref="InputException">Sizes disagree, no targets, a bad beta, sampled chambers, or too many chambers.</exception>
    public static Certificate Verify(Dataset data, double beta, TwoLayerReluNetwork network, Arrangement? arrangement = null,
        double[]? candidate = null, double tolerance = DefaultTolerance, long maxPatterns = ArrangementOptions.DefaultMaxPatterns,
        double absoluteTolerance = DefaultAbsoluteTolerance)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(network);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; verification needs targets");
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}");
        if (data.Columns != network.Inputs)
            throw new InputException($"the network takes {network.Inputs} inputs but the data has {data.Columns} feature columns; use the data it was trained on (and --bias only if the network has a bias)");
        var patches = network.Architecture.StackedPatches(data.X);
        var x = patches.X;
        arrangement ??= ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = maxPatterns, IndependentCount = false });
        if (arrangement.Sampled) throw new InputException("verification needs every chamber; sampled chambers give no certificate");
        if (arrangement.Rows != x.GetLength(0) || arrangement.Columns != x.GetLength(1))
            throw new InputException("the arrangement was enumerated for other data");
        if (candidate is not null && candidate.Length != data.Rows) throw new InputException($"the dual candidate has {candidate.Length} entries, expected {data.Rows}");
        return Verify(data, beta, network, LossFunction.Create(LossKind.Squared), arrangement, candidate is null ? null : ClassTargets.Column(candidate),
            tolerance, maxPatterns, absoluteTolerance);
    }

    /// <summary>
    /// Certifies <paramref name="network"/> (any number of outputs) on <paramref name="data"/> for <paramref name="loss"/>:
    /// the targets are the data's target column encoded for the loss and the network's classes.
    /// </summary>
    /// <param name="data">The training data.</param>
    /// <param name="beta">The weight decay.</param>
    /// <param name="network">Any two-layer ReLU network with the data's number of inputs.</param>
    /// <param name="loss">The training loss (its classes must be the network's).</param>
    /// <param name="arrangement">The exact chambers of the network's input matrix; enumerated when null.</param>
    /// <param name="candidate">A dual candidate V (n x O), such as the trainer's multipliers; the network's -grad L is always tried too.</param>
    /// <param name="tolerance">Relative gap for <see cref="Certificate.CertifiedOptimal"/>.</param>
    /// <param name="maxPatterns">Refusal threshold of the enumeration.</param>
    /// <param name="absoluteTolerance">Gap for <see cref="Certificate.CertifiedOptimal"/> regardless of the objective's size.</param>
    /// <exception cref="InputException">Sizes disagree, no targets, a bad beta, sampled chambers, or too many chambers.</exception>
    public static Certificate Verify(Dataset data, double beta, TwoLayerReluNetwork network, LossFunction loss, Arrangement? arrangement,
        double[,]? candidate, double tolerance = DefaultTolerance, long maxPatterns = ArrangementOptions.DefaultMaxPatterns,
        double absoluteTolerance = DefaultAbsoluteTolerance)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(network); ArgumentNullException.ThrowIfNull(loss);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; verification needs targets");
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}");
        if (data.Columns != network.Inputs)
            throw new InputException($"the network takes {network.Inputs} inputs but the data has {data.Columns} feature columns; use the data it was trained on (and --bias only if the network has a bias)");
        if (loss.Classes != network.Classes) throw new ArgumentException($"the loss has {loss.Classes} classes but the network {network.Classes}");
        var x = network.Architecture.StackedPatches(data.X).X;
        arrangement ??= ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = maxPatterns, IndependentCount = false });
        if (arrangement.Sampled) throw new InputException("verification needs every chamber; sampled chambers give no certificate");
        if (arrangement.Rows != x.GetLength(0) || arrangement.Columns != x.GetLength(1))
            throw new InputException("the arrangement was enumerated for other data");
        var y = loss.Targets(data.Y);
        var f = network.Outputs(data.X);
        double objective = loss.Value(f, y) + network.Regularizer(beta);
        var (bound, rho, scale) = LowerBound(x, data.Rows, y, beta, arrangement.Chambers, loss.NegativeGradient(f, y), loss);
        if (candidate is not null)
        {
            if (candidate.GetLength(0) != data.Rows || candidate.GetLength(1) != y.GetLength(1))
                throw new InputException($"the dual candidate is {candidate.GetLength(0)} x {candidate.GetLength(1)}, expected {data.Rows} x {y.GetLength(1)}");
            var other = LowerBound(x, data.Rows, y, beta, arrangement.Chambers, candidate, loss);
            // A residual that is not finite (weights whose products overflow) gives a NaN bound: the candidate's replaces it.
            if (other.LowerBound > bound || double.IsNaN(bound)) (bound, rho, scale) = other;
        }
        return Certificate.FromBound(objective, bound, rho, scale, arrangement.Chambers.Count, tolerance, absoluteTolerance);
    }

    /// <summary>
    /// The dual lower bound of candidate <paramref name="v"/> (n x O) for any loss: V moved into the domain of h
    /// (<see cref="LossFunction.Feasible"/>), rho(V_o) for every output column over every chamber, and the best
    /// h(t V) over 0 &lt;= t &lt;= min_o beta / rho(V_o) (<see cref="LossFunction.BestScaledBound"/>). Returns the bound,
    /// the largest rho and t.
    /// </summary>
    /// <param name="x">The stacked patch matrix (n K rows).</param>
    /// <param name="samples">The number of samples n.</param>
    /// <param name="y">The encoded targets (n x O).</param>
    /// <param name="beta">The weight decay.</param>
    /// <param name="chambers">Every chamber of the arrangement of <paramref name="x"/>'s rows.</param>
    /// <param name="v">The dual candidate (n x O).</param>
    /// <param name="loss">The loss.</param>
    public static (double LowerBound, double Rho, double Scale) LowerBound(double[,] x, int samples, double[,] y, double beta, IReadOnlyList<Chamber> chambers, double[,] v, LossFunction loss)
    {
        ArgumentNullException.ThrowIfNull(v); ArgumentNullException.ThrowIfNull(y); ArgumentNullException.ThrowIfNull(loss);
        var feasible = loss.Feasible(v, y);
        var rho = Rho(x, samples, chambers, feasible);
        double limit = double.PositiveInfinity;
        foreach (double r in rho) if (r > 0) limit = Math.Min(limit, beta / r);
        var (bound, t) = loss.BestScaledBound(feasible, y, limit);
        return (bound, rho.DefaultIfEmpty(0).Max(), t);
    }

    /// <summary>
    /// rho(V_o) = max over chambers of the support values of +-sum_k X_k'D_ik V_o on the chamber's closed cone cut with
    /// the unit ball, for every column o of <paramref name="v"/>: the scalar rho of each column (parallel over the chambers).
    /// </summary>
    /// <param name="x">The stacked patch matrix (n K rows, patch-major: row j belongs to sample j mod n).</param>
    /// <param name="samples">The number of samples n.</param>
    /// <param name="chambers">Every chamber of the arrangement of <paramref name="x"/>'s rows (with their facets).</param>
    /// <param name="v">The candidate (n x O).</param>
    /// <exception cref="InputException">Chambers without facets (sampled).</exception>
    public static double[] Rho(double[,] x, int samples, IReadOnlyList<Chamber> chambers, double[,] v)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(chambers); ArgumentNullException.ThrowIfNull(v);
        int n = samples, o = v.GetLength(1);
        if (n < 1 || x.GetLength(0) % n != 0 || v.GetLength(0) != n) throw new ArgumentException($"{x.GetLength(0)} patch rows, {n} samples and {v.GetLength(0)} candidate rows do not fit together");
        var rho = new double[o];
        var column = new double[n];
        for (int t = 0; t < o; t++)
        {
            for (int i = 0; i < n; i++) column[i] = v[i, t];
            rho[t] = Rho(x, n, chambers, column);
        }
        return rho;
    }

    /// <summary>The dual lower bound of a fully connected program (one row of X per sample); see the other overload.</summary>
    public static (double LowerBound, double Rho, double Scale) LowerBound(double[,] x, double[] y, double beta, IReadOnlyList<Chamber> chambers, ReadOnlySpan<double> v) =>
        LowerBound(x, x.GetLength(0), y, beta, chambers, v);

    /// <summary>
    /// The dual lower bound from candidate v: rho(v) over all chambers, t = clamp(v'y/||v||^2, 0, beta/rho), and
    /// -1/2 ||t v - y||^2 + 1/2 ||y||^2. rho is inflated by a relative 1e-12 against rounding. X is the stacked patch
    /// matrix [X_1; ...; X_K] (patch-major, <see cref="PatchMatrix"/>): row j belongs to sample j mod n, and over a
    /// chamber sum_k D_k X_k' v = sum over the chamber's active rows j of x_j v_(j mod n). Fully connected: K = 1.
    /// </summary>
    /// <param name="x">The stacked patch matrix (n K rows).</param>
    /// <param name="samples">The number of samples n.</param>
    /// <param name="y">The targets (length n).</param>
    /// <param name="beta">The weight decay.</param>
    /// <param name="chambers">Every chamber of the arrangement of <paramref name="x"/>'s rows.</param>
    /// <param name="v">The dual candidate (length n).</param>
    public static (double LowerBound, double Rho, double Scale) LowerBound(double[,] x, int samples, double[] y, double beta, IReadOnlyList<Chamber> chambers, ReadOnlySpan<double> v)
    {
        int rowsTotal = x.GetLength(0), n = samples;
        if (n < 1 || rowsTotal % n != 0 || y.Length != n || v.Length != n) throw new ArgumentException($"{rowsTotal} patch rows, {n} samples, {y.Length} targets and {v.Length} candidate entries do not fit together");
        return ScaledBound(y, beta, Rho(x, n, chambers, v), v);
    }

    /// <summary>
    /// rho(v) = max_{||g|| &lt;= 1} |v'(sum_k X_k g)_+| = max over the chambers of the support values of +-sum_k X_k'D_ik v on
    /// the chamber's closed cone, each bounded from above (<see cref="ConeSupport"/>) and inflated by a relative 1e-12
    /// against rounding: an upper bound on rho(v) whatever the inner solves' accuracy.
    /// </summary>
    /// <param name="x">The stacked patch matrix (n K rows).</param>
    /// <param name="samples">The number of samples n (row j belongs to sample j mod n).</param>
    /// <param name="chambers">Every chamber of the arrangement of <paramref name="x"/>'s rows, with facets.</param>
    /// <param name="v">The vector v (length n).</param>
    /// <exception cref="InputException">A chamber without facets (sampled).</exception>
    public static double Rho(double[,] x, int samples, IReadOnlyList<Chamber> chambers, ReadOnlySpan<double> v)
    {
        ArgumentNullException.ThrowIfNull(chambers);
        var values = new double[chambers.Count];
        Supports(x, samples, chambers, v, values);
        return Rho(values);
    }

    /// <summary>rho from the chambers' support values (upper bounds each): their largest, inflated by a relative 1e-12 against rounding.</summary>
    public static double Rho(ReadOnlySpan<double> supports)
    {
        double rho = 0;
        foreach (double value in supports) rho = Math.Max(rho, value);
        return rho * (1 + 1e-12);
    }

    /// <summary>
    /// For each chamber i, an upper bound on max_{g in K_i, ||g|| &lt;= 1} |v'(D_i sum_k X_k g)| (the support values of
    /// +-sum_k X_k'D_ik v on the chamber's closed cone, <see cref="ConeSupport"/>), written into <paramref name="values"/>.
    /// Chambers are processed in parallel.
    /// </summary>
    /// <exception cref="InputException">A chamber without facets (sampled).</exception>
    public static void Supports(double[,] x, int samples, IReadOnlyList<Chamber> chambers, ReadOnlySpan<double> v, Span<double> values) =>
        Supports(x, samples, chambers, v, values, null, 0);

    /// <summary>
    /// As <see cref="Supports(double[,], int, IReadOnlyList{Chamber}, ReadOnlySpan{double}, Span{double})"/> for a sequence of
    /// vectors v: <paramref name="cache"/> keeps, per chamber, the last c = sum_k X_k'D_ik v whose supports were computed and
    /// their value s. Projection onto a closed convex cone is nonexpansive, so the supports at a new c are at most
    /// s + ||c - c_cached||; a chamber whose bound is at most <paramref name="skipAtOrBelow"/> gets the bound itself (still an
    /// upper bound, as every value here) without the projections, and keeps its cached pair.
    /// </summary>
    /// <param name="x">The stacked patch matrix (n K rows).</param>
    /// <param name="samples">The number of samples n.</param>
    /// <param name="chambers">The chambers, with facets (the same list, in the same order, at every call with one cache).</param>
    /// <param name="v">The vector v (length n).</param>
    /// <param name="values">Upper bounds on the supports, one per chamber.</param>
    /// <param name="cache">The pairs of earlier calls (null: none kept, every support computed).</param>
    /// <param name="skipAtOrBelow">Chambers whose bound from the cache is at most this skip the projections.</param>
    public static void Supports(double[,] x, int samples, IReadOnlyList<Chamber> chambers, ReadOnlySpan<double> v, Span<double> values,
        SupportCache? cache, double skipAtOrBelow)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(chambers);
        if (values.Length != chambers.Count) throw new ArgumentException($"{values.Length} values for {chambers.Count} chambers");
        if (cache is not null && !cache.Fits(chambers.Count, x.GetLength(1))) throw new ArgumentException($"the cache was made for other chambers or columns");
        int rowsTotal = x.GetLength(0), d = x.GetLength(1), n = samples;
        if (chambers.Any(ch => ch.FacetRows is null)) throw new InputException("verification needs the chambers' facets; enumerate exactly instead of sampling");
        var nonzeroRows = ChamberCone.NonzeroRows(x);
        var vv = v.ToArray();
        var result = new double[chambers.Count];
        Parallel.For(0, chambers.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => (C: new double[d], Rows: new List<double[]>()),
            (i, _, local) =>
            {
                var (c, rows) = local;
                var ch = chambers[i];
                // c = sum_k X_k'D_ik v = sum over active rows j of x_j v_(j mod n).
                Array.Clear(c);
                for (int j = 0; j < rowsTotal; j++)
                {
                    double vj = vv[j % n];
                    if (ch[j] && vj != 0) for (int k = 0; k < d; k++) c[k] += x[j, k] * vj;
                }
                if (cache is not null && cache.Known[i])
                {
                    // ||P(c)|| <= ||P(c_cached)|| + ||c - c_cached|| for P the projection onto the cone (or its mirror).
                    double moved = 0;
                    for (int k = 0; k < d; k++) { double e = c[k] - cache.C[i * d + k]; moved += e * e; }
                    double bound = cache.S[i] + Math.Sqrt(moved);
                    if (bound <= skipAtOrBelow) { result[i] = bound; return local; }
                }
                if (cache is not null) Array.Copy(c, 0, cache.C, i * d, d);
                // The chamber's closed cone: (2D - I)_jj x_j'g >= 0 over its facet rows, or over every row for a thin
                // chamber, whose near-dependent facets hold more in doubles than the exact cone (each row is valid for it).
                rows.Clear();
                foreach (int j in ChamberCone.Rows(x, ch, nonzeroRows))
                {
                    var r = new double[d];
                    double sgn = ch[j] ? 1 : -1;
                    for (int k = 0; k < d; k++) r[k] = sgn * x[j, k];
                    rows.Add(r);
                }
                double up = ConeSupport.UpperBound(rows, c);
                for (int k = 0; k < d; k++) c[k] = -c[k];
                result[i] = Math.Max(up, ConeSupport.UpperBound(rows, c));
                if (cache is not null) { cache.S[i] = result[i]; cache.Known[i] = true; }
                return local;
            },
            _ => { });
        result.CopyTo(values);
    }

    /// <summary>
    /// The best dual value along the ray t v within dual feasibility: t = clamp(v'y/||v||^2, 0, beta/rho) and
    /// -1/2 ||t v - y||^2 + 1/2 ||y||^2, a lower bound on the optimum when rho bounds the dual constraint at v from above.
    /// </summary>
    public static (double LowerBound, double Rho, double Scale) ScaledBound(double[] y, double beta, double rho, ReadOnlySpan<double> v)
    {
        ArgumentNullException.ThrowIfNull(y);
        int n = y.Length;
        double vy = 0, vv = 0;
        for (int i = 0; i < n; i++) { vy += v[i] * y[i]; vv += v[i] * v[i]; }
        double t = vv == 0 ? 0 : Math.Max(0, vy / vv);
        if (rho > 0) t = Math.Min(t, beta / rho);
        double value = 0, yy = 0;
        for (int i = 0; i < n; i++) { double r = t * v[i] - y[i]; value += r * r; yy += y[i] * y[i]; }
        return (-value / 2 + yy / 2, rho, t);
    }
}

/// <summary>
/// Per chamber, the last vector c = sum_k X_k'D_ik v whose supports <see cref="OptimalityVerifier.Supports(double[,], int, IReadOnlyList{Chamber}, ReadOnlySpan{double}, Span{double}, SupportCache?, double)"/>
/// computed, and their value: what bounds the supports of the next v without projections.
/// </summary>
public sealed class SupportCache
{
    /// <summary>An empty cache for <paramref name="chambers"/> chambers of a matrix with <paramref name="columns"/> columns.</summary>
    public SupportCache(int chambers, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chambers); ArgumentOutOfRangeException.ThrowIfNegative(columns);
        C = new double[(long)chambers * columns <= int.MaxValue ? chambers * columns : throw new ArgumentException("the cache would exceed an array")];
        S = new double[chambers];
        Known = new bool[chambers];
        Columns = columns;
    }

    internal double[] C { get; }
    internal double[] S { get; }
    internal bool[] Known { get; }
    private int Columns { get; }

    internal bool Fits(int chambers, int columns) => S.Length == chambers && Columns == columns;
}
