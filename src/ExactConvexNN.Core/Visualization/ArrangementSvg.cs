using System.Globalization;
using System.Security;
using System.Text;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Visualization;

/// <summary>Options for <see cref="ArrangementSvg.Render"/>.</summary>
public sealed class SvgOptions
{
    /// <summary>Width of the drawing area in pixels (the picture is this wide and a little taller).</summary>
    public int Size { get; init; } = 640;
    /// <summary>Title text; null for the default ("Activation patterns: n = .., d = .., .. chambers").</summary>
    public string? Title { get; init; }
    /// <summary>Chamber labels are drawn only up to this many chambers (they would be unreadable beyond).</summary>
    public int MaxLabels { get; init; } = 200;
    /// <summary>Whether to draw the data points x_j (the normals of the lines), labelled by row number.</summary>
    public bool ShowPoints { get; init; } = true;
}

/// <summary>
/// Draws the chambers of a central arrangement {g : x_j'g = 0} as an SVG teaching picture, written directly
/// (no library). Rank 2: the row space is a plane; each hyperplane is a line through the origin, the
/// sectors between lines are the chambers (alternately shaded) and each is labelled with its activation
/// pattern. Rank 3: each hyperplane is a great circle, drawn on the upper hemisphere of the row space seen
/// from above (orthographic projection); chambers below the rim are the antipodes (complementary patterns)
/// of those drawn. Coordinates are computed in doubles for DRAWING only; which chamber is which comes from
/// the exact patterns of the arrangement.
/// </summary>
public static class ArrangementSvg
{
    private static readonly string[] Palette =
        ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

    /// <summary>Renders the arrangement of <paramref name="x"/> (n x d) with its enumerated chambers.</summary>
    /// <exception cref="InputException">The rank is not 2 or 3, or the arrangement does not belong to <paramref name="x"/>.</exception>
    public static string Render(double[,] x, Arrangement arrangement, SvgOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(arrangement);
        options ??= new SvgOptions();
        int n = x.GetLength(0), d = x.GetLength(1);
        if (arrangement.Rows != n || arrangement.Columns != d)
            throw new InputException($"the arrangement is for {arrangement.Rows} x {arrangement.Columns} data but the matrix is {n} x {d}; enumerate the chambers of this matrix");
        int rank = arrangement.Rank;
        if (rank != 2 && rank != 3)
            throw new InputException($"pictures need rank 2 or 3, but this data has rank {rank}; choose 2 or 3 feature columns (or 2 and a bias)");
        if (options.Size < 100) throw new InputException($"picture size {options.Size} is too small; use at least 100 pixels");

        var basis = RowSpaceBasis(x, rank);
        // Hyperplane k: its first row and that row's coordinates a_k = B x_j in the row-space basis.
        int m = arrangement.Hyperplanes;
        var firstRow = Enumerable.Repeat(-1, m).ToArray();
        for (int j = 0; j < n; j++) { int k = arrangement.RowHyperplane[j]; if (k >= 0 && firstRow[k] < 0) firstRow[k] = j; }
        var coords = new double[n][];
        for (int j = 0; j < n; j++) coords[j] = Project(basis, x, j);
        var normals = firstRow.Select(j => Unit(coords[j])).ToArray();

        var svg = new Svg(options.Size, arrangement.Chambers.Count, n);
        string title = options.Title ?? $"Activation patterns: n = {n}, d = {d}, {arrangement.Chambers.Count} chambers";
        svg.Begin(title);

        bool labels = arrangement.Chambers.Count <= options.MaxLabels;
        // Chamber k-side key: for hyperplane k, '+' when its first row is active (x_j'g > 0) in the chamber.
        var keyOf = arrangement.Chambers.ToDictionary(c => SideKey(c, firstRow), c => c);
        if (rank == 2) DrawPlane(svg, normals, keyOf, labels);
        else
        {
            // The drawn poles: each hyperplane's normal, flipped onto the upper hemisphere.
            var poles = options.ShowPoints ? normals.Select(a => a[2] >= 0 ? a : a.Select(v => -v).ToArray()).ToArray() : [];
            DrawHemisphere(svg, basis, normals, poles, keyOf, labels);
        }

        if (options.ShowPoints) DrawPoints(svg, arrangement, coords, rank);

        var caption = new List<string>
        {
            rank == 2
                ? "Each line is {g : x_j'g = 0}; the dot j is the data point x_j (same color), normal to its line."
                : "Great circles {g : x_j'g = 0} on the upper hemisphere seen from above; dot j is the pole x_j (ring: -x_j).",
            labels
                ? "Each region is labelled with its pattern 1[x_j'g >= 0], row 1 first" + (rank == 3 ? "; hidden regions are the complements." : ".")
                : $"{arrangement.Chambers.Count} chambers: labels omitted above {options.MaxLabels} chambers.",
        };
        if (d != rank || rank == 3) caption.Add(d == rank ? "Drawn in the coordinates of the data." : $"Drawn in an orthonormal basis of the {rank}-dimensional row space of X.");
        svg.End(caption);
        return svg.ToString();
    }

    /// <summary>Rank 2: alternately shaded sectors between consecutive rays, lines, and labels at mid-angles.</summary>
    private static void DrawPlane(Svg svg, double[][] normals, Dictionary<string, Chamber> keyOf, bool labels)
    {
        // Each line through the origin is perpendicular to its normal a: rays at angle(a) +- pi/2.
        var rays = new List<double>();
        foreach (var a in normals)
        {
            double t = Math.Atan2(a[1], a[0]) + Math.PI / 2;
            rays.Add(Norm(t)); rays.Add(Norm(t + Math.PI));
        }
        rays.Sort();
        var labelAt = new List<(double Angle, Chamber C)>();
        for (int i = 0; i < rays.Count; i++)
        {
            double a0 = rays[i], a1 = i + 1 < rays.Count ? rays[i + 1] : rays[0] + 2 * Math.PI;
            svg.Sector(a0, a1, i % 2 == 0 ? "#eef3fb" : "#fbf4e8");
            double mid = (a0 + a1) / 2;
            var dir = new[] { Math.Cos(mid), Math.Sin(mid) };
            if (keyOf.TryGetValue(SideKeyOf(dir, normals), out var c)) labelAt.Add((mid, c));
        }
        svg.Rim();
        for (int k = 0; k < normals.Length; k++)
        {
            var a = normals[k];
            svg.Line(-a[1], a[0], a[1], -a[0], Palette[k % Palette.Length], k);
        }
        if (labels) foreach (var (angle, c) in labelAt) svg.ChamberLabel(0.62 * Math.Cos(angle), 0.62 * Math.Sin(angle), c.ToString());
    }

    /// <summary>Rank 3: great circles as half-ellipses; each visible region labelled at its most interior sample point.</summary>
    private static void DrawHemisphere(Svg svg, double[][] basis, double[][] normals, double[][] poles, Dictionary<string, Chamber> keyOf, bool labels)
    {
        svg.Disk("#f4f7fb");
        for (int k = 0; k < normals.Length; k++)
        {
            var a = normals[k];
            // Orthonormal u, v spanning a-perp with u horizontal (u_3 = 0) and v_3 >= 0: t in [0, pi] is the upper half.
            double[] u = Cross(a, [0, 0, 1]);
            bool equator = Math.Sqrt(Dot(u, u)) < 1e-12;
            if (equator) u = [1, 0, 0];
            u = Unit(u);
            var v = Unit(Cross(a, u));
            if (v[2] < 0) v = [-v[0], -v[1], -v[2]];
            int steps = 96;
            double span = equator ? 2 * Math.PI : Math.PI;
            var pts = new (double, double)[steps + 1];
            for (int s = 0; s <= steps; s++)
            {
                double t = span * s / steps;
                pts[s] = (Math.Cos(t) * u[0] + Math.Sin(t) * v[0], Math.Cos(t) * u[1] + Math.Sin(t) * v[1]);
            }
            svg.Polyline(pts, Palette[k % Palette.Length], k);
        }
        svg.Rim();
        if (!labels) return;

        // Fibonacci points on the upper hemisphere; per region keep the point farthest from every circle.
        const int samples = 12000;
        var best = new Dictionary<string, (double Score, double X, double Y)>();
        double golden = Math.PI * (3 - Math.Sqrt(5));
        for (int s = 0; s < samples; s++)
        {
            double z = 1 - (s + 0.5) / samples, r = Math.Sqrt(1 - z * z), phi = s * golden;
            var p = new[] { r * Math.Cos(phi), r * Math.Sin(phi), z };
            // Distance to the nearest circle, to the rim (z = 0) and (halved) to the nearest drawn pole.
            double score = Math.Min(normals.Min(a => Math.Abs(Dot(a, p))), z);
            foreach (var q in poles) score = Math.Min(score, 0.5 * Math.Sqrt(Dot(Sub(p, q), Sub(p, q))));
            string key = SideKeyOf(p, normals);
            if (!best.TryGetValue(key, out var b) || score > b.Score) best[key] = (score, p[0], p[1]);
        }
        var labelled = new HashSet<Chamber>();
        foreach (var (key, b) in best)
            if (keyOf.TryGetValue(key, out var c)) { svg.ChamberLabel(b.X, b.Y, c.ToString()); labelled.Add(c); }
        // A region too thin for the samples: label it at its witness direction when that lies on the upper side
        // and its antipode (the complementary sides) was not labelled either.
        foreach (var (key, c) in keyOf)
        {
            if (labelled.Contains(c)) continue;
            string anti = new(key.Select(ch => ch == '+' ? '-' : '+').ToArray());
            if (keyOf.TryGetValue(anti, out var ac) && labelled.Contains(ac)) continue;
            var w = Unit(ProjectVector(basis, c.WitnessDirection()));
            if (w[2] >= 0) { svg.ChamberLabel(w[0], w[1], c.ToString()); labelled.Add(c); }
        }
    }

    private static void DrawPoints(Svg svg, Arrangement arrangement, double[][] coords, int rank)
    {
        double maxNorm = coords.Max(c => Math.Sqrt(Dot(c, c)));
        if (maxNorm == 0) return;
        for (int j = 0; j < coords.Length; j++)
        {
            int k = arrangement.RowHyperplane[j];
            if (k < 0) continue;
            var c = coords[j];
            string color = Palette[k % Palette.Length];
            if (rank == 2) svg.Point(0.85 * c[0] / maxNorm, 0.85 * c[1] / maxNorm, (j + 1).ToString(CultureInfo.InvariantCulture), color, filled: true);
            else
            {
                var p = Unit(c);
                bool up = p[2] >= 0;
                svg.Point(up ? p[0] : -p[0], up ? p[1] : -p[1], (up ? "" : "-") + (j + 1).ToString(CultureInfo.InvariantCulture), color, filled: up);
            }
        }
    }

    /// <summary>For each hyperplane, '+' when the chamber's first row of that hyperplane is active.</summary>
    private static string SideKey(Chamber c, int[] firstRow) => new(firstRow.Select(j => c[j] ? '+' : '-').ToArray());

    /// <summary>The side of each normal a_k that the direction p lies on (drawing only).</summary>
    private static string SideKeyOf(double[] p, double[][] normals) => new(normals.Select(a => Dot(a, p) >= 0 ? '+' : '-').ToArray());

    /// <summary>
    /// An orthonormal basis (rows) of the row space of x: the coordinate axes when x has full column rank,
    /// else Gram-Schmidt on the rows, taking the row with the largest residual each time (drawing only).
    /// </summary>
    private static double[][] RowSpaceBasis(double[,] x, int rank)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        if (rank == d) return Enumerable.Range(0, d).Select(i => { var e = new double[d]; e[i] = 1; return e; }).ToArray();
        var rows = Enumerable.Range(0, n).Select(j => Enumerable.Range(0, d).Select(i => x[j, i]).ToArray()).ToArray();
        double scale = rows.Max(r => Math.Sqrt(Dot(r, r)));
        for (int j = 0; j < n; j++) for (int i = 0; i < d; i++) rows[j][i] /= scale;
        var basis = new List<double[]>();
        while (basis.Count < rank)
        {
            // residual r_j = x_j - sum_b (b'x_j) b; pick the largest.
            double[]? bestRow = null; double bestNorm = -1;
            foreach (var r in rows)
            {
                var res = (double[])r.Clone();
                foreach (var b in basis) { double t = Dot(b, res); for (int i = 0; i < d; i++) res[i] -= t * b[i]; }
                double nr = Math.Sqrt(Dot(res, res));
                if (nr > bestNorm) { bestNorm = nr; bestRow = res; }
            }
            basis.Add(Unit(bestRow!));
        }
        return basis.ToArray();
    }

    private static double[] Project(double[][] basis, double[,] x, int row)
    {
        var c = new double[basis.Length];
        for (int b = 0; b < basis.Length; b++)
            for (int i = 0; i < basis[b].Length; i++) c[b] += basis[b][i] * x[row, i];
        return c;
    }

    private static double[] ProjectVector(double[][] basis, double[] g) => basis.Select(b => Dot(b, g)).ToArray();

    private static double Norm(double t) { t %= 2 * Math.PI; return t < 0 ? t + 2 * Math.PI : t; }
    private static double Dot(double[] a, double[] b) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }
    private static double[] Sub(double[] a, double[] b) => a.Select((v, i) => v - b[i]).ToArray();
    private static double[] Cross(double[] a, double[] b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    private static double[] Unit(double[] a) { double r = Math.Sqrt(Dot(a, a)); return r == 0 ? a : a.Select(v => v / r).ToArray(); }

    /// <summary>SVG writer in unit-disk coordinates: (u, v) in [-1, 1]^2 maps to the drawing circle, v up.</summary>
    private sealed class Svg(int size, int chambers, int rows)
    {
        private readonly StringBuilder _sb = new();
        private readonly double _cx = size / 2.0, _cy = 44 + size / 2.0, _r = size * 0.42;
        private int _captionLines;
        // Label font: smaller with more chambers and longer patterns, never below 7 px.
        private readonly double _font = Math.Max(7, Math.Min(Math.Min(15, 17 - chambers / 12.0), size * 0.45 / (0.62 * Math.Max(rows, 3))));

        private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        private string X(double u) => F(_cx + u * _r);
        private string Y(double v) => F(_cy - v * _r);

        public void Begin(string title)
        {
            _sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{HeightMark}\" viewBox=\"0 0 {size} {HeightMark}\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n");
            _sb.Append($"<title>{Esc(title)}</title>\n");
            _sb.Append($"<rect width=\"{size}\" height=\"{HeightMark}\" fill=\"white\"/>\n");
            _sb.Append($"<text class=\"title\" x=\"{F(_cx)}\" y=\"28\" font-size=\"18\" font-weight=\"bold\" text-anchor=\"middle\">{Esc(title)}</text>\n");
        }

        public void Sector(double a0, double a1, string fill)
        {
            int large = a1 - a0 > Math.PI ? 1 : 0;
            _sb.Append($"<path class=\"sector\" d=\"M{F(_cx)},{F(_cy)} L{X(Math.Cos(a0))},{Y(Math.Sin(a0))} A{F(_r)},{F(_r)} 0 {large} 0 {X(Math.Cos(a1))},{Y(Math.Sin(a1))} Z\" fill=\"{fill}\"/>\n");
        }

        public void Disk(string fill) => _sb.Append($"<circle cx=\"{F(_cx)}\" cy=\"{F(_cy)}\" r=\"{F(_r)}\" fill=\"{fill}\"/>\n");

        public void Rim() => _sb.Append($"<circle class=\"rim\" cx=\"{F(_cx)}\" cy=\"{F(_cy)}\" r=\"{F(_r)}\" fill=\"none\" stroke=\"#999\" stroke-width=\"1\"/>\n");

        public void Line(double u0, double v0, double u1, double v1, string color, int k) =>
            _sb.Append($"<line class=\"hyperplane\" data-hyperplane=\"{k}\" x1=\"{X(u0)}\" y1=\"{Y(v0)}\" x2=\"{X(u1)}\" y2=\"{Y(v1)}\" stroke=\"{color}\" stroke-width=\"2.5\"/>\n");

        public void Polyline((double U, double V)[] pts, string color, int k) =>
            _sb.Append($"<polyline class=\"hyperplane\" data-hyperplane=\"{k}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\" points=\"{string.Join(" ", pts.Select(p => X(p.U) + "," + Y(p.V)))}\"/>\n");

        public void ChamberLabel(double u, double v, string pattern)
        {
            double w = 0.62 * _font * pattern.Length + 6, h = _font + 6;
            _sb.Append($"<rect x=\"{F(_cx + u * _r - w / 2)}\" y=\"{F(_cy - v * _r - h / 2)}\" width=\"{F(w)}\" height=\"{F(h)}\" rx=\"3\" fill=\"white\" fill-opacity=\"0.8\"/>\n");
            _sb.Append($"<text class=\"chamber\" x=\"{X(u)}\" y=\"{F(_cy - v * _r + _font * 0.35)}\" font-size=\"{F(_font)}\" font-family=\"DejaVu Sans Mono, monospace\" text-anchor=\"middle\">{Esc(pattern)}</text>\n");
        }

        public void Point(double u, double v, string label, string color, bool filled)
        {
            _sb.Append($"<circle class=\"point\" cx=\"{X(u)}\" cy=\"{Y(v)}\" r=\"5\" fill=\"{(filled ? color : "white")}\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            _sb.Append($"<text class=\"point-label\" x=\"{F(_cx + u * _r + 8)}\" y=\"{F(_cy - v * _r - 8)}\" font-size=\"13\" fill=\"{color}\" font-weight=\"bold\">{Esc(label)}</text>\n");
        }

        public void End(IEnumerable<string> caption)
        {
            foreach (var line in caption)
            {
                _sb.Append($"<text class=\"caption\" x=\"{F(_cx)}\" y=\"{F(_cy + _r + 30 + 17 * _captionLines)}\" font-size=\"12\" fill=\"#333\" text-anchor=\"middle\">{Esc(line)}</text>\n");
                _captionLines++;
            }
            _sb.Append("</svg>\n");
            // The picture ends just below the last caption line.
            _sb.Replace(HeightMark, F(Math.Ceiling(_cy + _r + 30 + 17 * _captionLines)));
        }

        private const string HeightMark = "@HEIGHT@";

        private static string Esc(string s) => SecurityElement.Escape(s) ?? "";

        public override string ToString() => _sb.ToString();
    }
}
