using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Programs;

/// <summary>
/// Neural decomposition (Bartan &amp; Pilanci): a positive semidefinite Z of order p + 1 with tr(Z1) = Z4 (Z1 the
/// leading p x p block, Z4 the last diagonal entry), that is &lt;G, Z&gt; = 0 for G = diag(I_p, -1), is a sum of rank-one
/// terms t_j^2 [u_j; 1][u_j; 1]' with ||u_j|| = 1.
/// <para>
/// Procedure (the rank-one decomposition of Sturm &amp; Zhang): start from Z = sum_i v_i v_i' (eigenvectors scaled by
/// the square roots of the eigenvalues). While some g_i = v_i'G v_i &gt; 0 and some g_j &lt; 0, the quadratic
/// g_j α² + 2 (v_i'G v_j) α + g_i = 0 has a real root (g_i g_j &lt; 0); y = (v_i + α v_j)/√(1+α²) has y'Gy = 0 and
/// z = (v_j - α v_i)/√(1+α²) completes the rotation (v_i v_i' + v_j v_j' = y y' + z z'), so y is final and z replaces
/// the pair. Each final y = [w; t] has ||w|| = |t|, which is the neuron u = sign(t) w/||w||, weight t².
/// </para>
/// </summary>
public static class NeuralDecomposition
{
    /// <summary>One rank-one term: the unit vector u and the weight t² (&gt;= 0).</summary>
    public readonly record struct Term(double[] U, double Weight);

    /// <summary>
    /// Decomposes the symmetric matrix <paramref name="z"/> (negative eigenvalues from rounding are clipped to 0;
    /// eigenvalues at most <paramref name="dropBelow"/> are dropped). Terms whose last entry vanishes (t² at most
    /// <paramref name="dropBelow"/>) carry no weight and are dropped.
    /// </summary>
    /// <param name="z">A (p+1) x (p+1) symmetric matrix, p at least 1.</param>
    /// <param name="dropBelow">Absolute threshold for eigenvalues and weights (at least 0).</param>
    /// <exception cref="ArgumentException">The matrix is not square of order at least 2, or holds a non-finite value.</exception>
    public static List<Term> Decompose(Matrix<double> z, double dropBelow = 0)
    {
        ArgumentNullException.ThrowIfNull(z);
        int k = z.RowCount;
        if (z.ColumnCount != k || k < 2) throw new ArgumentException($"neural decomposition needs a square matrix of order at least 2, got {z.RowCount} x {z.ColumnCount}");
        if (!z.Enumerate().All(double.IsFinite)) throw new ArgumentException("the matrix holds a non-finite value");
        if (!(dropBelow >= 0)) throw new ArgumentException($"the drop threshold must be >= 0, got {dropBelow}");
        int p = k - 1;
        var sym = (z + z.Transpose()) / 2;
        var evd = sym.Evd(Symmetricity.Symmetric);
        var pending = new List<double[]>();
        for (int i = 0; i < k; i++)
        {
            double lam = evd.EigenValues[i].Real;
            if (!(lam > dropBelow)) continue;
            double s = Math.Sqrt(lam);
            var v = new double[k];
            for (int r = 0; r < k; r++) v[r] = s * evd.EigenVectors[r, i];
            pending.Add(v);
        }
        var final = new List<double[]>();
        // g(v, w) = v'G w with G = diag(I_p, -1).
        static double G(double[] v, double[] w)
        {
            double s = 0;
            for (int r = 0; r < v.Length - 1; r++) s += v[r] * w[r];
            return s - v[^1] * w[^1];
        }
        while (true)
        {
            int pos = -1, neg = -1;
            double scale = 0;
            foreach (var v in pending) scale = Math.Max(scale, v.Sum(e => e * e));
            double eps = 1e-14 * scale;
            for (int i = 0; i < pending.Count; i++)
            {
                double g = G(pending[i], pending[i]);
                if (g > eps && (pos < 0 || g > G(pending[pos], pending[pos]))) pos = i;
                if (g < -eps && (neg < 0 || g < G(pending[neg], pending[neg]))) neg = i;
            }
            if (pos < 0 || neg < 0) break;
            var vi = pending[pos]; var vj = pending[neg];
            double gi = G(vi, vi), gj = G(vj, vj), h = G(vi, vj);
            // g_j α² + 2 h α + g_i = 0; the root of smaller magnitude, in the cancellation-free form.
            double disc = Math.Sqrt(h * h - gi * gj);
            double alpha = -gi / (h + (h >= 0 ? disc : -disc));
            double norm = Math.Sqrt(1 + alpha * alpha);
            var y = new double[k]; var w = new double[k];
            for (int r = 0; r < k; r++) { y[r] = (vi[r] + alpha * vj[r]) / norm; w[r] = (vj[r] - alpha * vi[r]) / norm; }
            final.Add(y);
            pending[pos] = w;
            pending.RemoveAt(neg);
        }
        final.AddRange(pending);
        var terms = new List<Term>();
        foreach (var v in final)
        {
            double t = v[^1], weight = t * t;
            double wn = 0;
            for (int r = 0; r < p; r++) wn += v[r] * v[r];
            wn = Math.Sqrt(wn);
            if (!(weight > dropBelow) || wn == 0) continue;
            var u = new double[p];
            double f = Math.Sign(t) / wn;
            for (int r = 0; r < p; r++) u[r] = v[r] * f;
            terms.Add(new Term(u, weight));
        }
        return terms;
    }
}
