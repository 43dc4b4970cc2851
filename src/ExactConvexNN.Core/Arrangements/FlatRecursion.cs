using System.Collections.Concurrent;
using System.Numerics;
using ExactConvexNN.Numerics;

namespace ExactConvexNN.Arrangements;

/// <summary>
/// Exact chamber enumeration by restriction with every flat enumerated once. <see cref="ChamberRecursion"/> restricts to
/// hyperplane after hyperplane, so a flat of codimension t is reached along t! paths and the work grows like
/// m!/(m-r)! with the rank r (12 patch rows in R^10: 20 million planar base cases). Here a flat is named by its closure
/// (the set of hyperplanes that contain it) and its faces are computed once and shared, so the work is bounded by the
/// number of flats times their faces (polynomial in m for fixed r).
/// <para>
/// A face of the arrangement restricted to a flat F is a sign vector over the hyperplanes not containing F. The faces of
/// F are the two sides of every face of every hyperplane-flat F' = F ∩ H (every face of a nonempty arrangement has a
/// facet); on F, the hyperplanes whose restrictions coincide with H's form one class and change sign together. Flats are
/// given by an integer basis of their canonical null space (path independent, so results do not depend on the order in
/// which threads reach a flat); base cases are lines (two rays) and planes (an exact angular sort). All arithmetic is on
/// integers.
/// </para>
/// </summary>
internal sealed class FlatRecursion
{
    private readonly CentralArrangement _a;
    private readonly int _m, _words;
    private readonly ConcurrentDictionary<ulong[], Lazy<Flat>> _flats = new(BitsComparer.Instance);

    private sealed record Flat(ulong[] Closure, BigInteger[][] Basis, List<Region> Faces);

    private FlatRecursion(CentralArrangement a) { _a = a; _m = a.Count; _words = (_m + 63) >> 6; }

    /// <summary>The chambers of <paramref name="a"/> (distinct hyperplanes in R^k), with their facets and lazy witnesses.</summary>
    public static List<Region> Chambers(CentralArrangement a, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        var self = new FlatRecursion(a);
        int k = a.Dimension;
        var identity = new BigInteger[k][];
        for (int i = 0; i < k; i++) { identity[i] = new BigInteger[k]; identity[i][i] = BigInteger.One; }
        return self.Faces(new ulong[self._words], identity, top: true, progress, cancel);
    }

    private Flat Get(ulong[] closure, CancellationToken cancel) =>
        _flats.GetOrAdd(closure, key => new Lazy<Flat>(() =>
        {
            var basis = NullSpace(key);
            return new Flat(key, basis, Faces(key, basis, top: false, null, cancel));
        })).Value;

    /// <summary>One class of hyperplanes that restrict to the same hyperplane of a flat: its canonical normal c (in the flat's basis coordinates) and members with their orientation.</summary>
    private sealed class Class(BigInteger[] normal)
    {
        public readonly BigInteger[] Normal = normal;
        public readonly List<(int Hyperplane, int Orientation)> Members = [];
    }

    /// <summary>The faces of the flat with the given closure and basis (k vectors).</summary>
    private List<Region> Faces(ulong[] closure, BigInteger[][] basis, bool top, Action<int, int>? progress, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        int k = basis.Length;
        // Classes: c_g = (g'B_i)_i, canonicalized; hyperplanes with the same canonical c restrict to the same hyperplane of F.
        var index = new Dictionary<BigInteger[], Class>(VectorComparer.Instance);
        var classes = new List<Class>();
        for (int g = 0; g < _m; g++)
        {
            if (Has(closure, g)) continue;
            var c = new BigInteger[k];
            for (int i = 0; i < k; i++) c[i] = ExactRows.Dot(_a.Normals[g], basis[i]);
            int o = ExactRows.Canonicalize(c);
            if (o == 0) continue; // contains F (cannot happen for a closure; kept for safety)
            if (!index.TryGetValue(c, out var cls)) { cls = new Class(c); index.Add(c, cls); classes.Add(cls); }
            cls.Members.Add((g, o));
        }
        if (classes.Count == 0) return [new Region(new ulong[_words], [], () => Lift(basis, [BigInteger.One]))];
        if (k == 1) return Line(classes, basis);
        if (k == 2) return Plane(classes, basis);

        // Sub-flats F ∩ H for every class, in parallel at the top (they are independent and shared through the memo).
        var subs = new Flat[classes.Count];
        var subClosures = classes.Select(cls =>
        {
            var s = (ulong[])closure.Clone();
            foreach (var (g, _) in cls.Members) s[g >> 6] |= 1UL << (g & 63);
            return s;
        }).ToArray();
        if (top)
        {
            int done = 0;
            var gate = new object();
            Parallel.For(0, classes.Count, new ParallelOptions { CancellationToken = cancel }, i =>
            {
                subs[i] = Get(subClosures[i], cancel);
                if (progress is not null) lock (gate) progress(++done, classes.Count);
            });
        }
        else
            for (int i = 0; i < classes.Count; i++) subs[i] = Get(subClosures[i], cancel);

        // Each face of a sub-flat has two faces of F beside it: the class's members on one side, then on the other.
        var found = new Dictionary<ulong[], Candidate>(BitsComparer.Instance);
        var order = new List<Candidate>();
        var signs = new ulong[_words];
        for (int ci = 0; ci < classes.Count; ci++)
        {
            var cls = classes[ci];
            foreach (var face in subs[ci].Faces)
                foreach (int side in (ReadOnlySpan<int>)[+1, -1])
                {
                    face.Signs.CopyTo(signs, 0);
                    // sign(g'x) = orientation_g * sign(c'x) on F, and sign(c'x) = side above the sub-face.
                    foreach (var (g, o) in cls.Members)
                        if (o * side > 0) signs[g >> 6] |= 1UL << (g & 63);
                    if (found.TryGetValue(signs, out var cand)) { cand.Facets.Add(cls.Members[0].Hyperplane); continue; }
                    var own = (ulong[])signs.Clone();
                    cand = new Candidate(own, cls, side, face, subs[ci].Closure);
                    cand.Facets.Add(cls.Members[0].Hyperplane);
                    found.Add(own, cand);
                    order.Add(cand);
                }
        }
        var regions = new List<Region>(order.Count);
        foreach (var cand in order)
        {
            var c = cand;
            regions.Add(new Region(c.Signs, top ? [.. c.Facets.Distinct().Order()] : [], () => Witness(c, basis)));
        }
        return regions;
    }

    private sealed class Candidate(ulong[] signs, Class cls, int side, Region sub, ulong[] subClosure)
    {
        public readonly ulong[] Signs = signs;
        public readonly Class Class = cls;
        public readonly int Side = side;
        public readonly Region Sub = sub;
        public readonly ulong[] SubClosure = subClosure;
        public readonly List<int> Facets = [];
    }

    /// <summary>
    /// A point strictly inside the face: from the sub-face's point p move along e = side * B_j (j the first nonzero of the
    /// class normal c, c_j &gt; 0, so c'e has the sign of side) by half the distance to the first hyperplane the ray crosses.
    /// </summary>
    private BigInteger[] Witness(Candidate c, BigInteger[][] basis)
    {
        int j = 0;
        while (c.Class.Normal[j].IsZero) j++;
        var outside = Enumerable.Range(0, _m).Where(g => !Has(c.SubClosure, g)).Select(g => _a.Normals[g]);
        return ChamberRecursion.StepInside(c.Sub.Witness, basis[j], c.Side, outside);
    }

    /// <summary>A line: its two rays ±B_0; sign(g'(±B_0)) = ±orientation_g (c_g = (g'B_0) is canonicalized to 1).</summary>
    private List<Region> Line(List<Class> classes, BigInteger[][] basis)
    {
        var plus = new ulong[_words];
        var minus = new ulong[_words];
        foreach (var (g, o) in classes[0].Members)
            if (o > 0) plus[g >> 6] |= 1UL << (g & 63); else minus[g >> 6] |= 1UL << (g & 63);
        var v = basis[0];
        int[] facet = [classes[0].Members[0].Hyperplane];
        return [new Region(plus, facet, () => (BigInteger[])v.Clone()), new Region(minus, facet, () => v.Select(e => -e).ToArray())];
    }

    /// <summary>
    /// A plane with coordinates (B_0, B_1): lines c'q = 0 through its origin; the 2L rays ±(-c_2, c_1) sorted by angle
    /// exactly; the faces are the open sectors between consecutive rays (witness: the sum of the two rays, lifted), and
    /// crossing a ray flips the signs of its class's members.
    /// </summary>
    private List<Region> Plane(List<Class> classes, BigInteger[][] basis)
    {
        int lines = classes.Count;
        if (lines == 1)
        {
            var n = classes[0].Normal;
            return [Sector(n[0], n[1], 0, 0), Sector(-n[0], -n[1], 0, 0)];
        }
        var rays = ChamberRecursion.SortedRays(lines, h => classes[h].Normal);
        var regions = new List<Region>(2 * lines);
        for (int i = 0; i < 2 * lines; i++)
        {
            var r1 = rays[i]; var r2 = rays[(i + 1) % (2 * lines)];
            regions.Add(Sector(r1.X + r2.X, r1.Y + r2.Y, r1.Line, r2.Line));
        }
        return regions;

        // The face containing q = (x, y) in plane coordinates: sign(g'q) = orientation_g * sign(c'q); its facets are the
        // lines of its two bounding rays (by their first hyperplane).
        Region Sector(BigInteger x, BigInteger y, int line1, int line2)
        {
            int f1 = classes[line1].Members[0].Hyperplane, f2 = classes[line2].Members[0].Hyperplane;
            int[] facets = f1 == f2 ? [f1] : [Math.Min(f1, f2), Math.Max(f1, f2)];
            var signs = new ulong[_words];
            foreach (var cls in classes)
            {
                int s = (cls.Normal[0] * x + cls.Normal[1] * y).Sign;
                foreach (var (g, o) in cls.Members)
                    if (s * o > 0) signs[g >> 6] |= 1UL << (g & 63);
            }
            return new Region(signs, facets, () => Lift(basis, [x, y]));
        }
    }

    /// <summary>sum_i q_i B_i, reduced by its gcd.</summary>
    private static BigInteger[] Lift(BigInteger[][] basis, ReadOnlySpan<BigInteger> q)
    {
        var w = new BigInteger[basis[0].Length];
        for (int i = 0; i < basis.Length; i++)
            if (!q[i].IsZero) for (int t = 0; t < w.Length; t++) w[t] += q[i] * basis[i][t];
        ExactRows.Reduce(w);
        return w;
    }

    private static bool Has(ulong[] bits, int g) => ((bits[g >> 6] >> (g & 63)) & 1UL) != 0;

    /// <summary>
    /// An integer basis of the null space of the normals in <paramref name="closure"/>, canonical for the set: reduced row
    /// echelon form by exact elimination, then one vector per free column (x_free = L, the pivots' values solved and
    /// scaled to integers, divided by their gcd).
    /// </summary>
    private BigInteger[][] NullSpace(ulong[] closure)
    {
        int k = _a.Dimension;
        var rows = new List<BigInteger[]>();
        for (int g = 0; g < _m; g++) if (Has(closure, g)) rows.Add((BigInteger[])_a.Normals[g].Clone());
        var pivotCols = new List<int>();
        int r = 0;
        for (int col = 0; col < k && r < rows.Count; col++)
        {
            int p = -1;
            for (int i = r; i < rows.Count; i++) if (!rows[i][col].IsZero) { p = i; break; }
            if (p < 0) continue;
            (rows[r], rows[p]) = (rows[p], rows[r]);
            var pr = rows[r];
            // Eliminate col from every other row: row_i = pr_col row_i - row_i,col pr (fraction-free), then reduce.
            for (int i = 0; i < rows.Count; i++)
            {
                if (i == r || rows[i][col].IsZero) continue;
                var f = rows[i][col];
                for (int t = 0; t < k; t++) rows[i][t] = pr[col] * rows[i][t] - f * pr[t];
                ExactRows.Reduce(rows[i]);
            }
            pivotCols.Add(col);
            r++;
        }
        var isPivot = new bool[k];
        foreach (int c in pivotCols) isPivot[c] = true;
        var basis = new List<BigInteger[]>();
        for (int free = 0; free < k; free++)
        {
            if (isPivot[free]) continue;
            // x_free = L, x_pivot(i) = -L row_i[free] / row_i[pivot(i)] with L the product of the pivots' values.
            BigInteger l = BigInteger.One;
            for (int i = 0; i < pivotCols.Count; i++) l *= BigInteger.Abs(rows[i][pivotCols[i]]);
            var v = new BigInteger[k];
            v[free] = l;
            for (int i = 0; i < pivotCols.Count; i++) v[pivotCols[i]] = -l * rows[i][free] / rows[i][pivotCols[i]];
            ExactRows.Reduce(v);
            basis.Add(v);
        }
        return [.. basis];
    }
}
