using ExactConvexNN.Data;

namespace ExactConvexNN.Tests.Core.Models.Poly;

/// <summary>Small seeded data sets for the polynomial-activation tests.</summary>
internal static class PolyTestData
{
    /// <summary>n Gaussian samples in R^d with targets from a planted two-neuron network plus noise.</summary>
    public static Dataset Regression(int n, int d, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n, d];
        var y = new double[n];
        var u1 = Unit(rng, d); var u2 = Unit(rng, d);
        for (int i = 0; i < n; i++)
        {
            double z1 = 0, z2 = 0;
            for (int k = 0; k < d; k++) { x[i, k] = Gaussian(rng); z1 += x[i, k] * u1[k]; z2 += x[i, k] * u2[k]; }
            y[i] = z1 * z1 - 0.5 * z2 + 0.3 * Gaussian(rng);
        }
        return Dataset.Create(x, y);
    }

    /// <summary>n images C x H x W with pixels in [0, 1) and labels 0..K-1 (class k brightens a band of rows).</summary>
    public static Dataset Images(int n, int c, int h, int w, int classes, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n, c * h * w];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            int label = i % classes;
            y[i] = label;
            for (int ch = 0; ch < c; ch++)
                for (int r = 0; r < h; r++)
                    for (int col = 0; col < w; col++)
                        x[i, (ch * h + r) * w + col] = 0.5 * rng.NextDouble() + (r * classes / h == label ? 0.5 : 0);
        }
        return Dataset.Create(x, y);
    }

    public static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public static double[] Unit(Random rng, int d)
    {
        var u = new double[d];
        for (int k = 0; k < d; k++) u[k] = Gaussian(rng);
        double s = Math.Sqrt(u.Sum(v => v * v));
        for (int k = 0; k < d; k++) u[k] /= s;
        return u;
    }
}
