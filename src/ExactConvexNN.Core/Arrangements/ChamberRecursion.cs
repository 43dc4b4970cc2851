using ExactConvexNN.Numerics;
using System.Numerics;

namespace ExactConvexNN.Arrangements;

/// <summary>
/// A chamber of a <see cref="CentralArrangement"/>: sign vector (bit h set = positive side of hyperplane h), facet
/// hyperplanes, and an exact interior point, computed on first use (a chamber of a restriction is lifted many times,
/// but only the first lift of each chamber above needs its point).
/// </summary>
internal sealed class Region(ulong[] signs, int[] facets, Func<BigInteger[]> witness)
{
    private BigInteger[]? _witness;
    public Region(ulong[] signs, BigInteger[] witness, int[] facets) : this(signs, facets, () => witness) => _witness = witness;
    public ulong[] Signs { get; } = signs;
    public int[] Facets { get; } = facets;
    public BigInteger[] Witness => _witness ??= witness();
}

/// <summary>
/// Exact chamber enumeration by restriction. Every chamber of a central arrangement with at least one hyperplane has a
/// facet; a facet on hyperplane H is a chamber of the restriction A^H (one dimension lower). So the chambers are
/// exactly the two sides of every chamber of every restriction, identified by their sign vectors; a chamber is met once
/// per facet, which yields its facets too. Signs come from the restriction's sign vectors through
/// sign(b'Lift(q)) = orientation * sign(c'q); no dot product is needed for the patterns. Base cases: R^1, and R^2 by an
/// exact angular sort. All arithmetic is on integers.
/// </summary>
internal static class ChamberRecursion
{
    public static List<Region> Chambers(CentralArrangement a, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        int m = a.Count, k = a.Dimension;
        if (m == 0)
        {
            var e1 = new BigInteger[k];
            if (k > 0) e1[0] = BigInteger.One;
            return [new Region([], e1, [])];
        }
        if (k == 1) return [new Region([1UL], [BigInteger.One], [0]), new Region([0UL], [BigInteger.MinusOne], [0])];
        if (k == 2) return Planar(a);
        return ByRestriction(a, progress, cancel, parallel: true);
    }

    private sealed class Candidate(ulong[] signs, int hyperplane, int side, Region sub, Restriction restriction)
    {
        public readonly ulong[] Signs = signs;
        public readonly int Hyperplane = hyperplane;
        public readonly int Side = side;
        public readonly Region Sub = sub;
        public readonly Restriction Restriction = restriction;
        public readonly List<int> Facets = [hyperplane];
    }

    private static List<Region> ByRestriction(CentralArrangement a, Action<int, int>? progress, CancellationToken cancel, bool parallel = false)
    {
        int m = a.Count, words = (m + 63) >> 6;
        // The restrictions are independent: at the top level their chambers are enumerated in parallel, then merged
        // below in hyperplane order, so the result (chambers, their order and facets) does not depend on the threads.
        var restricted = new (Restriction R, List<Region> Subs)[m];
        if (parallel)
        {
            int done = 0;
            var gate = new object();
            Parallel.For(0, m, new ParallelOptions { CancellationToken = cancel }, h =>
            {
                var r = a.Restrict(h);
                restricted[h] = (r, ChambersBelow(r.Arrangement, cancel));
                if (progress is not null) lock (gate) progress(++done, m);
            });
        }
        var found = new Dictionary<ulong[], Candidate>(BitsComparer.Instance);
        var order = new List<Candidate>();
        // Sign vectors are built in two scratch buffers and copied only for a chamber not seen before: a chamber is met
        // once per facet, so most look-ups find it (fewer short-lived arrays, less garbage collection).
        var below = new ulong[words];
        var above = new ulong[words];
        for (int h = 0; h < m; h++)
        {
            cancel.ThrowIfCancellationRequested();
            var (r, subs) = parallel ? restricted[h] : (a.Restrict(h), null);
            foreach (var sub in subs ?? ChambersBelow(r.Arrangement, cancel))
            {
                // sign(b'P) for b != h, P the lifted facet point: orientation[b] * sign of the sub-chamber on map[b].
                Array.Clear(below);
                for (int b = 0; b < m; b++)
                {
                    if (b == h) continue;
                    int t = r.Map[b];
                    bool positive = ((sub.Signs[t >> 6] >> (t & 63)) & 1UL) != 0;
                    if (positive == (r.Orientation[b] > 0)) below[b >> 6] |= 1UL << (b & 63);
                }
                below.CopyTo(above, 0);
                above[h >> 6] |= 1UL << (h & 63);
                Add(above, +1);
                Add(below, -1);

                void Add(ulong[] signs, int side)
                {
                    if (found.TryGetValue(signs, out var c)) c.Facets.Add(h);
                    else
                    {
                        var own = (ulong[])signs.Clone();
                        c = new Candidate(own, h, side, sub, r);
                        found.Add(own, c);
                        order.Add(c);
                    }
                }
            }
            if (!parallel) progress?.Invoke(h + 1, m);
            restricted[h] = default; // the merged sub-chambers live on in the candidates that need them
        }
        var regions = new List<Region>(order.Count);
        foreach (var c in order) regions.Add(new Region(c.Signs, [.. c.Facets.Order()], () => Witness(a, c)));
        return regions;
    }

    /// <summary>The chambers of a restriction, enumerated on the calling thread.</summary>
    private static List<Region> ChambersBelow(CentralArrangement a, CancellationToken cancel)
    {
        int k = a.Dimension;
        if (a.Count == 0 || k <= 2) return Chambers(a, null, cancel);
        return ByRestriction(a, null, cancel);
    }

    /// <summary>
    /// A point strictly inside the chamber: from the lifted facet point P move along s*a_h by half the distance to the
    /// first facet hyperplane the ray crosses (the ray leaves the chamber through a facet, so only facets matter).
    /// </summary>
    private static BigInteger[] Witness(CentralArrangement a, Candidate c)
    {
        var p = a.Lift(c.Restriction, c.Sub.Witness);
        return StepInside(p, a.Normals[c.Hyperplane], c.Side, c.Facets.Where(f => f != c.Hyperplane).Select(f => a.Normals[f]));
    }

    /// <summary>
    /// A point strictly inside the face beside P: P + t s e for t half the distance to the first hyperplane (normals b)
    /// the ray crosses, scaled to integers and reduced; P + s e when none is crossed.
    /// </summary>
    internal static BigInteger[] StepInside(BigInteger[] p, BigInteger[] dir, int side, IEnumerable<BigInteger[]> normals)
    {
        BigInteger bestNum = BigInteger.MinusOne, bestDen = BigInteger.One;
        foreach (var b in normals)
        {
            // b'(P + t s e) = 0 at t = -b'P / (s b'e): a crossing when t > 0.
            var bp = ExactRows.Dot(b, p);
            var slope = side * ExactRows.Dot(b, dir);
            if (slope.IsZero || slope.Sign == bp.Sign) continue;
            var num = BigInteger.Abs(bp); var den = BigInteger.Abs(slope);
            if (bestNum.Sign < 0 || num * bestDen < bestNum * den) { bestNum = num; bestDen = den; }
        }
        var w = new BigInteger[p.Length];
        if (bestNum.Sign < 0)
        {
            // No hyperplane is crossed: the whole ray P + t s e (t > 0) lies in the face.
            for (int i = 0; i < w.Length; i++) w[i] = p[i] + side * dir[i];
        }
        else
        {
            // t = num / (2 den): w = 2 den P + s num e (a positive multiple of P + t s e).
            var twoDen = 2 * bestDen; var step = side * bestNum;
            for (int i = 0; i < w.Length; i++) w[i] = twoDen * p[i] + step * dir[i];
        }
        ExactRows.Reduce(w);
        return w;
    }

    /// <summary>
    /// Lines through the origin of R^2: sort the 2m rays ±(-a_2, a_1) by angle exactly; the chambers are the open
    /// sectors between consecutive rays, each with witness the sum of its two rays (the sector angle is below pi
    /// when m &gt;= 2), and crossing a ray flips the sign of exactly its own line.
    /// </summary>
    private static List<Region> Planar(CentralArrangement a)
    {
        int m = a.Count, words = (m + 63) >> 6;
        if (m == 1)
        {
            var n = a.Normals[0];
            return [new Region([1UL], [n[0], n[1]], [0]), new Region([0UL], [-n[0], -n[1]], [0])];
        }
        var rays = SortedRays(m, h => a.Normals[h]);
        var regions = new List<Region>(2 * m);
        ulong[]? signs = null;
        for (int i = 0; i < 2 * m; i++)
        {
            var r1 = rays[i]; var r2 = rays[(i + 1) % (2 * m)];
            if (signs is null)
            {
                var w = new[] { r1.X + r2.X, r1.Y + r2.Y };
                signs = new ulong[words];
                for (int h = 0; h < m; h++)
                    if (ExactRows.Dot(a.Normals[h], w).Sign > 0) signs[h >> 6] |= 1UL << (h & 63);
            }
            else
            {
                signs = (ulong[])signs.Clone();
                signs[r1.Line >> 6] ^= 1UL << (r1.Line & 63);
            }
            int f1 = Math.Min(r1.Line, r2.Line), f2 = Math.Max(r1.Line, r2.Line);
            // The witness (and its gcd reduction, the costly part) is computed only when a chamber above asks for it:
            // in a restriction most planar chambers are never lifted first.
            regions.Add(new Region(signs, [f1, f2], () =>
            {
                var w = new[] { r1.X + r2.X, r1.Y + r2.Y };
                ExactRows.Reduce(w);
                return w;
            }));
        }
        return regions;
    }

    /// <summary>
    /// The 2L rays ±(-c_2, c_1) of L lines c'q = 0 through the origin of a plane, sorted by angle exactly (half-plane,
    /// then the sign of the cross product): consecutive rays bound the sectors, each tagged with its line.
    /// </summary>
    internal static (BigInteger X, BigInteger Y, int Line)[] SortedRays(int lines, Func<int, BigInteger[]> normal)
    {
        var rays = new (BigInteger X, BigInteger Y, int Line)[2 * lines];
        for (int h = 0; h < lines; h++)
        {
            var n = normal(h);
            rays[2 * h] = (-n[1], n[0], h);
            rays[2 * h + 1] = (n[1], -n[0], h);
        }
        Array.Sort(rays, (u, v) =>
        {
            int hu = Half(u.X, u.Y), hv = Half(v.X, v.Y);
            if (hu != hv) return hu.CompareTo(hv);
            return -(u.X * v.Y - u.Y * v.X).Sign;
        });
        return rays;
    }

    /// <summary>0 for angles in [0, pi), 1 for [pi, 2 pi).</summary>
    private static int Half(BigInteger x, BigInteger y) => y.Sign > 0 || (y.IsZero && x.Sign > 0) ? 0 : 1;

    /// <summary>
    /// The number of chambers, independently of the enumeration, by Zaslavsky's deletion-restriction
    /// r(A) = r(A - H) + r(A^H), unrolled over the hyperplanes: r(A) = 1 + sum_i r({H_(i+1), ..., H_m} restricted to H_i),
    /// with r = 2m in R^2 (m &gt;= 1 distinct lines), 2 in R^1, and 1 for the empty arrangement.
    /// </summary>
    public static BigInteger Count(CentralArrangement a, CancellationToken cancel = default)
    {
        int m = a.Count, k = a.Dimension;
        if (m == 0) return BigInteger.One;
        if (k == 1) return 2;
        if (k == 2) return 2 * m;
        BigInteger total = BigInteger.One;
        for (int i = 0; i < m; i++)
        {
            cancel.ThrowIfCancellationRequested();
            total += Count(a.Restrict(i, i + 1).Arrangement, cancel);
        }
        return total;
    }

    /// <summary>
    /// 2 sum_{k &lt; r} C(m-1, k): the number of chambers of m distinct hyperplanes of rank r in general position, and an
    /// upper bound for any m hyperplanes of rank r (1 when m = 0).
    /// </summary>
    public static BigInteger GeneralPositionCount(int m, int r)
    {
        if (m == 0) return BigInteger.One;
        BigInteger sum = BigInteger.Zero, binom = BigInteger.One;
        for (int k = 0; k < r && k <= m - 1; k++)
        {
            sum += binom;
            binom = binom * (m - 1 - k) / (k + 1);
        }
        return 2 * sum;
    }
}
