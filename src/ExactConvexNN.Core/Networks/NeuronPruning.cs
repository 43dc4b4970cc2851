using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Networks;

/// <summary>
/// Carathéodory pruning of a two-layer ReLU network on its training data: the same predictions f(X) and a weight decay
/// that does not increase, with at most rank[h_1 ... h_K] &lt;= n O neurons, where h_j = w_j (X u_j)_+ is neuron j's
/// contribution to f(X) (summed over the patches of a CNN; on its own output of O).
/// <para>
/// Neuron j is scaled to (u_j sqrt(a_j), w_j sqrt(a_j)) with a_j &gt;= 0 (a_j = 1 at the start). Positive scaling keeps
/// the neuron's activation pattern, so its contribution is exactly a_j h_j, and for a balanced neuron
/// (||u_j|| = |w_j|, as recovered from the convex program and restored here otherwise) its weight decay
/// beta/2 (||u_j||^2 + w_j^2) = beta a_j |w_j| ||u_j|| is linear in a_j. While the contributions of the kept neurons
/// are linearly dependent, a null vector c of [h_j] moves a along a + t c: f(X) stays, the weight decay changes by
/// t sum_j c_j |w_j| ||u_j|| (zero at an optimum, where both directions are feasible; the sign is chosen so that it
/// does not increase), and t grows until some a_j reaches 0, which drops neuron j. The null space comes from one SVD
/// (singular values below <see cref="DefaultRankTolerance"/> times the largest count as zero) and is kept free of the
/// dropped coordinates by Gaussian elimination with partial pivoting. Neurons with no contribution on the data are
/// dropped first. This is the pruning of issue 15 on the optimal face: m* &lt;= n + 1 (here &lt;= n).
/// </para>
/// </summary>
public static class NeuronPruning
{
    /// <summary>Singular values of the normalized contributions at most this fraction of the largest count as zero.</summary>
    public const double DefaultRankTolerance = 1e-12;

    /// <summary>Columns handled by one SVD: the kept neurons plus this many new ones (bounds the SVD's size for wide supports).</summary>
    private const int Chunk = 256;

    /// <summary>
    /// The pruned, balanced neurons of <paramref name="network"/> on the rows <paramref name="x"/> (the network's
    /// features, without a bias column): their predictions on x equal the network's up to rounding and the rank
    /// tolerance, their weight decay is at most the network's, and their contributions are linearly independent.
    /// </summary>
    /// <param name="network">Any two-layer ReLU network (fully connected or CNN).</param>
    /// <param name="x">The training rows.</param>
    /// <param name="rankTolerance">Relative threshold of the singular values treated as zero.</param>
    public static List<Neuron> Prune(TwoLayerReluNetwork network, double[,] x, double rankTolerance = DefaultRankTolerance)
    {
        ArgumentNullException.ThrowIfNull(network); ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0) * network.Architecture.Outputs;
        // Unit contributions g_j = h_j / ||h_j||, their amounts a_j = ||h_j|| and the weight decay per unit amount.
        var columns = new List<double[]>();
        var amount = new List<double>();
        var cost = new List<double>();
        var source = new List<Neuron>();
        foreach (var neuron in Balanced(network.Neurons))
        {
            // The contribution to every output: f(X) of the one-neuron network, n x O, flattened.
            var h = TwoLayerReluNetwork.Create(network.Architecture, [neuron], classes: network.Classes).Outputs(x).Cast<double>().ToArray();
            double norm = Math.Sqrt(h.Sum(v => v * v));
            if (!(norm > 0)) continue;
            for (int i = 0; i < h.Length; i++) h[i] /= norm;
            columns.Add(h); amount.Add(norm); source.Add(neuron);
            cost.Add(Math.Abs(neuron.W) * Math.Sqrt(neuron.U.Sum(v => v * v)) / norm);
        }
        // Kept columns, then chunks of new ones: each round leaves an independent set.
        var kept = new List<int>();
        int next = 0;
        var a = amount.ToArray();
        while (next < columns.Count)
        {
            int take = Math.Min(Chunk, columns.Count - next);
            kept.AddRange(Enumerable.Range(next, take));
            next += take;
            kept = Independent(kept, columns, a, cost, n, rankTolerance);
        }
        var pruned = new List<Neuron>(kept.Count);
        foreach (int j in kept)
        {
            double s = Math.Sqrt(a[j] / amount[j]);
            pruned.Add(source[j] with { U = source[j].U.Select(v => v * s).ToArray(), W = source[j].W * s });
        }
        return pruned;
    }

    /// <summary>Each neuron rescaled to ||u|| = |w| (the same contribution, the least weight decay); zero neurons dropped.</summary>
    private static IEnumerable<Neuron> Balanced(IEnumerable<Neuron> neurons)
    {
        foreach (var nrn in neurons)
        {
            double nu = Math.Sqrt(nrn.U.Sum(v => v * v)), nw = Math.Abs(nrn.W);
            if (!(nu > 0 && nw > 0)) continue;
            double s = Math.Sqrt(nw / nu);
            yield return nrn with { U = nrn.U.Select(v => v * s).ToArray(), W = nrn.W / s };
        }
    }

    /// <summary>Moves the amounts of <paramref name="set"/> along null vectors until the kept columns are independent; returns them.</summary>
    private static List<int> Independent(List<int> set, List<double[]> columns, double[] a, List<double> cost, int n, double rankTolerance)
    {
        int k = set.Count;
        if (k == 0) return set;
        var g = Matrix<double>.Build.Dense(n, k, (i, j) => columns[set[j]][i]);
        var svd = g.Svd(computeVectors: true);
        double largest = svd.S.Count > 0 ? svd.S[0] : 0;
        int rank = svd.S.Count(s => s > rankTolerance * largest);
        int q = k - rank;
        if (q == 0) return set;
        // Null basis: the last q right singular vectors, as columns b[l][.] over the set's coordinates.
        var basis = new List<double[]>(q);
        for (int l = rank; l < k; l++) basis.Add(Enumerable.Range(0, k).Select(j => svd.VT[l, j]).ToArray());
        var alive = Enumerable.Repeat(true, k).ToArray();
        while (basis.Count > 0)
        {
            var b = basis[0];
            double slope = 0, scale = 0;
            for (int j = 0; j < k; j++) { slope += b[j] * cost[set[j]]; scale = Math.Max(scale, Math.Abs(b[j])); }
            double sign = slope > 0 ? -1 : 1;
            // The largest step keeping every amount >= 0: t = min over c_j < 0 of a_j / -c_j.
            double step = double.PositiveInfinity;
            int hit = -1;
            for (int j = 0; j < k; j++)
            {
                double c = sign * b[j];
                if (!alive[j] || !(c < -1e-14 * scale)) continue;
                double t = a[set[j]] / -c;
                if (t < step) (step, hit) = (t, j);
            }
            if (hit < 0)
            {
                // Every entry has the same sign: a cost-neutral direction only in rounding (cost > 0), so drop it.
                basis.RemoveAt(0);
                continue;
            }
            double largestAmount = 0;
            for (int j = 0; j < k; j++)
            {
                if (!alive[j]) continue;
                a[set[j]] = Math.Max(0, a[set[j]] + step * sign * b[j]);
                largestAmount = Math.Max(largestAmount, a[set[j]]);
            }
            a[set[hit]] = 0;
            for (int j = 0; j < k; j++)
                if (alive[j] && a[set[j]] <= 1e-15 * largestAmount) { a[set[j]] = 0; alive[j] = false; Eliminate(basis, j); }
        }
        return set.Where((_, j) => alive[j]).ToList();
    }

    /// <summary>Removes coordinate <paramref name="j"/> from the span of <paramref name="basis"/>: the vector with the largest entry there is the pivot.</summary>
    private static void Eliminate(List<double[]> basis, int j)
    {
        int pivot = -1;
        double best = 0;
        for (int l = 0; l < basis.Count; l++)
        {
            double norm = Math.Sqrt(basis[l].Sum(v => v * v));
            double e = Math.Abs(basis[l][j]) / norm;
            if (e > best) (best, pivot) = (e, l);
        }
        if (pivot >= 0 && best > 1e-14)
        {
            var p = basis[pivot];
            for (int l = 0; l < basis.Count; l++)
            {
                if (l == pivot) continue;
                var v = basis[l];
                double f = v[j] / p[j];
                if (f == 0) continue;
                for (int r = 0; r < v.Length; r++) v[r] -= f * p[r];
            }
            basis.RemoveAt(pivot);
        }
        // Each vector had norm 1 before: one that cancelled to rounding is no direction any more.
        foreach (var v in basis)
        {
            v[j] = 0;
            double norm = Math.Sqrt(v.Sum(e => e * e));
            if (norm > 1e-10) for (int r = 0; r < v.Length; r++) v[r] /= norm;
            else Array.Clear(v);
        }
        basis.RemoveAll(v => !v.Any(e => e != 0));
    }
}
