namespace ExactConvexNN.Data;

/// <summary>Seeded synthetic data sets for tests, benchmarks and examples.</summary>
public static class SyntheticData
{
    /// <summary>An n x d matrix of independent standard normal entries (Box-Muller on a seeded <see cref="Random"/>).</summary>
    public static double[,] Gaussian(int n, int d, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n, d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) x[i, j] = Normal(rng);
        return x;
    }

    /// <summary>
    /// Gaussian inputs in R^d with targets from a planted two-neuron ReLU network plus noise:
    /// y = (x'u_1)_+ - 0.7 (x'u_2)_+ + noise * N(0, 1), with u_1, u_2 standard normal.
    /// </summary>
    public static Dataset PlantedRelu(int n, int d, int seed, double noise = 0.1)
    {
        var rng = new Random(seed);
        var u1 = Enumerable.Range(0, d).Select(_ => Normal(rng)).ToArray();
        var u2 = Enumerable.Range(0, d).Select(_ => Normal(rng)).ToArray();
        var x = new double[n, d]; var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double a = 0, b = 0;
            for (int j = 0; j < d; j++) { x[i, j] = Normal(rng); a += x[i, j] * u1[j]; b += x[i, j] * u2[j]; }
            y[i] = Math.Max(a, 0) - 0.7 * Math.Max(b, 0) + noise * Normal(rng);
        }
        return Dataset.Create(x, y, source: $"planted ReLU (n={n}, d={d}, seed={seed})");
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
