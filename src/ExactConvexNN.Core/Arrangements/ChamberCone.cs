using ExactConvexNN.Numerics;

namespace ExactConvexNN.Arrangements;

/// <summary>
/// A chamber's closed cone K = {g : (2D-I)_jj x_j'g &gt;= 0} as floating-point programs see it, and how thick it is.
/// <para>
/// The exact enumeration finds every chamber, including exact slivers: three data points collinear in decimal but not
/// in binary (4.6, 6.9, 6.2 ... read as doubles) give a chamber whose facet normals are dependent to 1e-16. In doubles
/// such a facet cone holds both rays of a near-line, one of which the exact chamber does not contain (the other rows
/// cut it away), and a solver working to 1e-8 uses it: the block's u then fits the data with a pattern that (Xu)_+ does
/// not have. The <see cref="Width"/> of the cone tells slivers apart: max over unit g of min_j a_j'g over the unit
/// signed facet normals a_j, which by duality is the distance from the origin to the convex hull of the a_j.
/// </para>
/// </summary>
public static class ChamberCone
{
    /// <summary>
    /// Chambers thinner than this (in <see cref="Width"/>, an angle in radians) are numerically degenerate: a solve to
    /// 1e-8 cannot tell them from their faces. Each lies within this angle of a face it shares with a thick neighbour
    /// whose pattern differs only on rows vanishing on that face, so leaving it out of a program changes the optimum by
    /// O(width); certificates still check it, with every row.
    /// </summary>
    public const double ThinWidth = 1e-9;

    /// <summary>
    /// The width max { min_j a_j'g : ||g|| &lt;= 1 } of the chamber's cone over its unit signed facet normals
    /// a_j = (2D-I)_jj x_j / ||x_j|| (every nonzero row when the chamber has no facets recorded): 1 for a half-space or
    /// the whole space, 0 when the cone has no interior in doubles.
    /// </summary>
    /// <param name="x">The n x d matrix the chamber was enumerated for.</param>
    /// <param name="chamber">One of its chambers.</param>
    public static double Width(double[,] x, Chamber chamber) => NearestPoint(x, chamber).Width;

    /// <summary>
    /// The chamber's centre direction in doubles: the unit g that maximizes min_j a_j'g over its unit signed facet
    /// normals (p / ||p|| for the nearest point p of conv{a_j}, by the same duality as <see cref="Width"/>), the gate
    /// most robust to rounding; the exact witness's direction when the chamber has no facet or no interior in doubles.
    /// </summary>
    /// <param name="x">The n x d matrix the chamber was enumerated for.</param>
    /// <param name="chamber">One of its chambers.</param>
    public static double[] Centre(double[,] x, Chamber chamber)
    {
        var (width, p) = NearestPoint(x, chamber);
        double norm = Math.Sqrt(p.Sum(v => v * v));
        return width > 0 && norm > 0 ? p.Select(v => v / norm).ToArray() : chamber.WitnessDirection();
    }

    private static (double Width, double[] Point) NearestPoint(double[,] x, Chamber chamber)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(chamber);
        int d = x.GetLength(1);
        // By LP duality the width is the distance from the origin to conv{a_j}, found from the least-distance problem
        // min ||g|| s.t. a_j'g >= 1 (Lawson and Hanson, ch. 23): the NNLS min ||E lambda - f|| with E = [a_1 .. a_m ; 1 .. 1],
        // f = e_{d+1}. Its lambda / sum(lambda) are the weights of the nearest point p = sum_j lambda_j a_j / sum(lambda),
        // and width = ||p||; computed from p itself (not from the last residual entry, 1 - sum(lambda) = w^2 / (1 + w^2),
        // which rounding swamps below w ~ 1e-8) it resolves slivers down to rounding.
        var rows = new List<double[]>();
        foreach (int j in chamber.FacetRows ?? NonzeroRows(x))
        {
            double norm = 0;
            for (int k = 0; k < d; k++) norm += x[j, k] * x[j, k];
            if (norm == 0) continue;
            norm = Math.Sqrt(norm) * (chamber[j] ? 1 : -1);
            var e = new double[d + 1];
            for (int k = 0; k < d; k++) e[k] = x[j, k] / norm;
            e[d] = 1;
            rows.Add(e);
        }
        if (rows.Count == 0) return (1, new double[d]);
        var f = new double[d + 1];
        f[d] = -1;
        var lambda = LawsonHanson.Solve(rows, f);
        // p * sum(lambda) = sum_j lambda_j a_j.
        var p = new double[d];
        double total = 0;
        for (int t = 0; t < rows.Count; t++)
        {
            if (lambda[t] <= 0) continue;
            total += lambda[t];
            for (int k = 0; k < d; k++) p[k] += lambda[t] * rows[t][k];
        }
        if (total == 0) return (1, p);
        double pNorm = 0;
        for (int k = 0; k < d; k++) pNorm += p[k] * p[k];
        return (Math.Min(1, Math.Sqrt(pNorm) / total), p);
    }

    /// <summary>
    /// True when the chamber is thinner than <see cref="ThinWidth"/>. The witness's smallest unit-normal slack is a lower
    /// bound on the width (the witness is a point of the cone), so a witness well inside settles it without the NNLS.
    /// </summary>
    public static bool IsThin(double[,] x, Chamber chamber)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(chamber);
        if (chamber.FacetRows is not null && WitnessSlack(x, chamber) >= 2 * ThinWidth) return false;
        return Width(x, chamber) < ThinWidth;
    }

    /// <summary>min_j (2D-I)_jj x_j'g / ||x_j|| over the facet rows at the unit witness direction g (1 without facets).</summary>
    private static double WitnessSlack(double[,] x, Chamber chamber)
    {
        int d = x.GetLength(1);
        var g = chamber.WitnessDirection();
        double slack = 1;
        foreach (int j in chamber.FacetRows!)
        {
            double dot = 0, norm = 0;
            for (int k = 0; k < d; k++) { dot += x[j, k] * g[k]; norm += x[j, k] * x[j, k]; }
            if (norm > 0) slack = Math.Min(slack, (chamber[j] ? dot : -dot) / Math.Sqrt(norm));
        }
        return slack;
    }

    /// <summary>
    /// The rows that describe the chamber's closed cone safely in doubles: its facet rows, or every nonzero row when it
    /// is thin (each row is a valid inequality of the exact cone, and the other rows cut away what the near-dependent
    /// facets let through) or has no facets recorded.
    /// </summary>
    public static int[] Rows(double[,] x, Chamber chamber, int[] nonzeroRows) =>
        chamber.FacetRows is null || IsThin(x, chamber) ? nonzeroRows : chamber.FacetRows;

    /// <summary>Indices of the rows of <paramref name="x"/> that are not all zero.</summary>
    public static int[] NonzeroRows(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var rows = new List<int>();
        for (int j = 0; j < n; j++)
            for (int k = 0; k < d; k++)
                if (x[j, k] != 0) { rows.Add(j); break; }
        return rows.ToArray();
    }
}
