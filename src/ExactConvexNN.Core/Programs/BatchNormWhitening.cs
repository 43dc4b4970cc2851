using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Programs;

/// <summary>
/// The change of variables that makes the batch-normalized ReLU network (<see cref="BatchNormReluNetwork"/>) a plain
/// ReLU network (Ergen, Sahiner, Ozturkler, Pauly, Mardani &amp; Pilanci, ICLR 2022: BN whitens the data). With the
/// compact SVD of the centred data (I - 1 1'/n) X = U Sigma V' (rank r, U n x r), a neuron's normalized
/// pre-activation is
/// <code>
///   gamma (I - 1 1'/n) X u / ||(I - 1 1'/n) X u|| + alpha 1 = gamma U s + alpha 1 = [U 1] z,   s = Sigma V'u / ||Sigma V'u||,
/// </code>
/// with z = [gamma s; alpha] and ||z||^2 = gamma^2 + alpha^2 (||s|| = 1). As u ranges over R^d, s ranges over the whole
/// unit sphere of R^r, so the BN network with weight decay beta/2 sum (gamma^2 + alpha^2 + w^2) is exactly the ReLU
/// network on the whitened data A = [U 1] with weight decay beta/2 sum (||z||^2 + w^2): the same objective, neuron by
/// neuron, for every width. Its convex program is therefore the ReLU program of Pilanci &amp; Ergen on A,
/// <code>
///   min 1/2 || sum_i D_i A (z_i - z'_i) - y ||^2 + beta sum_i (||z_i|| + ||z'_i||)   s.t.  (2 D_i - I) A z_i &gt;= 0, (2 D_i - I) A z'_i &gt;= 0,
/// </code>
/// over the chambers D_i of the arrangement of A's rows, and its dual certificate over every chamber of A is a lower
/// bound on the BN objective. Recovery maps each neuron (z, w) on A back: gamma = ||z_(1..r)||, alpha = z_(r+1),
/// u = V Sigma^-1 s with s = z_(1..r) / gamma (any unit s when gamma = 0), and the batch statistics of x'u.
/// Singular values below <see cref="RankTolerance"/> of the largest count as 0 (directions of X that rounding alone makes
/// vary).
/// </summary>
public sealed class BatchNormWhitening
{
    /// <summary>Singular values of the centred data below this fraction of the largest are treated as 0.</summary>
    public const double RankTolerance = 1e-12;

    private readonly double[,] _x;
    private readonly double[,] _v;      // d x r: right singular vectors
    private readonly double[] _sigma;   // r singular values

    /// <summary>The whitened data A = [U 1] (n x (r + 1)): the feature matrix of the equivalent ReLU network.</summary>
    public double[,] Whitened { get; }

    /// <summary>The rank r of the centred data.</summary>
    public int Rank => _sigma.Length;

    private BatchNormWhitening(double[,] x, double[,] whitened, double[,] v, double[] sigma) { _x = x; Whitened = whitened; _v = v; _sigma = sigma; }

    /// <summary>The whitening of the training batch <paramref name="x"/> (n x d).</summary>
    /// <exception cref="InputException">The centred data is 0 (every row the same, or one row): batch normalization divides by 0.</exception>
    public static BatchNormWhitening Of(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        var xc = Matrix<double>.Build.DenseOfArray(Centred(x));
        // Thin: with n >= d, Xc = Q R (Q n x d) and R = U_R Sigma V', so U = Q U_R; never an n x n factor.
        Matrix<double> left;
        MathNet.Numerics.LinearAlgebra.Factorization.Svd<double> svd;
        if (n >= d)
        {
            var qr = xc.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
            svd = qr.R.Svd(computeVectors: true);
            left = qr.Q * svd.U;
        }
        else
        {
            svd = xc.Svd(computeVectors: true);
            left = svd.U;
        }
        double largest = svd.S.Count > 0 ? svd.S[0] : 0;
        int r = largest > 0 ? svd.S.Count(s => s > RankTolerance * largest) : 0;
        if (r == 0)
            throw new InputException("batch normalization needs features that vary over the rows: every centred feature is 0, so x'u - mean is 0 for every u and BN divides by 0");
        var a = new double[n, r + 1];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < r; k++) a[i, k] = left[i, k];
            a[i, r] = 1;
        }
        var v = new double[d, r];
        for (int c = 0; c < d; c++) for (int k = 0; k < r; k++) v[c, k] = svd.VT[k, c];
        return new BatchNormWhitening(x, a, v, Enumerable.Range(0, r).Select(k => svd.S[k]).ToArray());
    }

    /// <summary>The centred data (I - 1 1'/n) X: each column minus its mean over the rows.</summary>
    public static double[,] Centred(double[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.GetLength(0), d = x.GetLength(1);
        var xc = new double[n, d];
        for (int c = 0; c < d; c++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += x[i, c];
            mean /= Math.Max(n, 1);
            for (int i = 0; i < n; i++) xc[i, c] = x[i, c] - mean;
        }
        return xc;
    }

    /// <summary>
    /// The BN neuron of a ReLU neuron (z, w) on the whitened data: gamma = ||z_(1..r)||, alpha = z_(r+1),
    /// u = V Sigma^-1 z_(1..r) / gamma (the first singular direction when gamma = 0), and the batch statistics of x'u
    /// (scale 1 up to rounding: (I - 1 1'/n) X u = U s).
    /// </summary>
    public BatchNormNeuron Neuron(ReadOnlySpan<double> z, double w, int output = 0)
    {
        int r = Rank, d = _v.GetLength(0);
        if (z.Length != r + 1) throw new ArgumentException($"a neuron on the whitened data has {r + 1} weights, got {z.Length}");
        double gamma = Numerics.VectorNorm.Norm(z[..r]);
        var u = new double[d];
        for (int c = 0; c < d; c++)
        {
            // u = V Sigma^-1 s, s = z_(1..r) / gamma (or e_1).
            double s = 0;
            for (int k = 0; k < r; k++) s += _v[c, k] / _sigma[k] * (gamma > 0 ? z[k] / gamma : k == 0 ? 1 : 0);
            u[c] = s;
        }
        var (mean, scale) = BatchNormReluNetwork.BatchStatistics(_x, u);
        return new BatchNormNeuron(u, gamma, z[r], mean, scale, w, output);
    }
}
