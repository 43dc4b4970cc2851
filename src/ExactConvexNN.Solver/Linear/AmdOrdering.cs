namespace ExactConvexNN.Solver.Linear;

/// <summary>
/// Approximate minimum degree ordering (Amestoy, Davis and Duff, SIAM J. Matrix Anal. Appl. 17(4), 1996)
/// of a symmetric sparsity pattern, computed on a quotient graph with element absorption (regular and
/// aggressive), mass elimination, supervariable detection and approximate external degrees.
/// Nodes whose degree exceeds max(16, 10·√n) are set aside as dense and ordered last; isolated nodes come first.
/// </summary>
public static class AmdOrdering
{
    /// <summary>
    /// Fill-reducing pivot order for the symmetric matrix whose upper triangle (diagonal optional) is
    /// <paramref name="symmetricUpperPattern"/>: perm[k] is the original index of the k-th pivot. Values are ignored.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is not square or has entries below the diagonal.</exception>
    public static int[] Compute(CscMatrix symmetricUpperPattern)
    {
        LdlContract.ValidateUpperPattern(symmetricUpperPattern);
        return new QuotientGraph(symmetricUpperPattern).Order();
    }

    /// <summary>
    /// The quotient graph. Every node is a variable (not yet eliminated, principal), an element (an eliminated
    /// pivot standing for the clique of its remaining neighbours) or dead (absorbed element, non-principal or
    /// eliminated variable, dense node). A variable's list in <see cref="_iw"/> holds its adjacent elements first
    /// (<see cref="_elen"/> of them) then its adjacent variables; an element's list holds its variables L_e.
    /// </summary>
    private sealed class QuotientGraph
    {
        private const byte Variable = 0, Element = 1, Dead = 2;

        private readonly int _n;
        private int[] _iw;
        private int _pfree;
        private readonly int[] _pe, _len, _elen, _nv;
        // Variable: approximate external degree. Element: |L_e| weighted by supervariable sizes.
        private readonly int[] _degree;
        private readonly byte[] _status;
        // Degree buckets: doubly linked lists of variables by approximate degree.
        private readonly int[] _head, _next, _prev;
        // w[e] - mark = |L_e \ L_me| during one pivot step.
        private readonly long[] _w;
        private long _mark;
        private readonly int[] _inLme;
        private int _step;
        private readonly int[] _hashHead, _hashNext, _hash;
        private readonly long[] _seen;
        private long _seenStamp;
        // Members of each supervariable, as a chain starting at its principal variable.
        private readonly int[] _chainNext, _chainTail;
        private readonly int[] _perm;
        private int _emitted;
        private readonly int[] _sortKeys, _sortNodes;

        public QuotientGraph(CscMatrix a)
        {
            int n = _n = a.Columns;
            _pe = new int[n]; _len = new int[n]; _elen = new int[n]; _nv = new int[n]; _degree = new int[n];
            _status = new byte[n]; _head = new int[n + 1]; _next = new int[n]; _prev = new int[n];
            _w = new long[n]; _inLme = new int[n]; _hashHead = new int[n]; _hashNext = new int[n]; _hash = new int[n];
            _seen = new long[n]; _chainNext = new int[n]; _chainTail = new int[n]; _perm = new int[n];
            _sortKeys = new int[n]; _sortNodes = new int[n];

            // Symmetric adjacency without the diagonal: each strictly upper entry (i, j) is the edge i - j.
            var colPtr = a.ColumnPointers; var rowIdx = a.RowIndices;
            for (int j = 0; j < n; j++)
                for (int p = colPtr[j]; p < colPtr[j + 1]; p++)
                {
                    int i = rowIdx[p];
                    if (i != j) { _len[i]++; _len[j]++; }
                }
            long total = 0;
            for (int i = 0; i < n; i++) { _pe[i] = (int)total; total += _len[i]; }
            long size = total + total / 5 + 2L * n + 16;
            if (size > Array.MaxLength) throw new ArgumentException("the pattern is too large for the AMD workspace");
            _iw = new int[size];
            var fill = new int[n];
            for (int i = 0; i < n; i++) fill[i] = _pe[i];
            for (int j = 0; j < n; j++)
                for (int p = colPtr[j]; p < colPtr[j + 1]; p++)
                {
                    int i = rowIdx[p];
                    if (i != j) { _iw[fill[i]++] = j; _iw[fill[j]++] = i; }
                }
            _pfree = (int)total;

            // Dense nodes leave the graph and are ordered last.
            int dense = (int)Math.Max(16.0, 10.0 * Math.Sqrt(n));
            for (int i = 0; i < n; i++)
                if (_len[i] > dense && _len[i] > 0) _status[i] = Dead;
            for (int i = 0; i < n; i++)
            {
                _nv[i] = 1; _chainNext[i] = -1; _chainTail[i] = i; _hashHead[i] = -1;
                if (_status[i] == Dead) { _len[i] = 0; continue; }
                int p0 = _pe[i], pn = p0;
                for (int p = p0; p < p0 + _len[i]; p++)
                    if (_status[_iw[p]] != Dead) _iw[pn++] = _iw[p];
                _len[i] = pn - p0;
            }
            Array.Fill(_head, -1);
            for (int i = 0; i < n; i++)
                if (_status[i] == Variable) { _degree[i] = _len[i]; Insert(i); }
            _mark = 1;
        }

        public int[] Order()
        {
            int n = _n;
            int live = 0;
            for (int i = 0; i < n; i++) if (_status[i] == Variable) live++;
            int nel = 0, mindeg = 0;
            while (nel < live)
            {
                // 1. Pivot: a variable of minimum approximate degree.
                while (_head[mindeg] == -1) mindeg++;
                int me = _head[mindeg];
                Remove(me);
                _status[me] = Element;
                int nvpiv = _nv[me];
                nel += nvpiv;
                Emit(me);
                _step++;

                // 2. L_me = (variables adjacent to me) ∪ (L_e for each element e adjacent to me); those e are absorbed.
                int pme1, pme2;
                int elenme = _elen[me];
                if (elenme == 0)
                {
                    // Only variables: build L_me in place over me's own list.
                    pme1 = pme2 = _pe[me];
                    for (int p = _pe[me]; p < _pe[me] + _len[me]; p++) AddToLme(_iw[p], ref pme2);
                }
                else
                {
                    EnsureFree(live - nel + 1);
                    pme1 = pme2 = _pfree;
                    int pm = _pe[me];
                    for (int k = 0; k < elenme; k++)
                    {
                        int e = _iw[pm + k];
                        if (_status[e] != Element) continue;
                        for (int p = _pe[e]; p < _pe[e] + _len[e]; p++) AddToLme(_iw[p], ref pme2);
                        _status[e] = Dead;
                        _len[e] = 0;
                    }
                    for (int p = pm + elenme; p < pm + _len[me]; p++) AddToLme(_iw[p], ref pme2);
                    _pfree = pme2;
                }
                _pe[me] = pme1; _len[me] = pme2 - pme1; _elen[me] = 0;

                // 3. w[e] - mark = |L_e \ L_me| = |L_e| - Σ_{i ∈ L_e ∩ L_me} nv[i] for every element e touching L_me.
                for (int q = pme1; q < pme2; q++)
                {
                    int i = _iw[q], nvi = _nv[i];
                    for (int p = _pe[i]; p < _pe[i] + _elen[i]; p++)
                    {
                        int e = _iw[p];
                        if (_status[e] != Element) continue;
                        _w[e] = _w[e] >= _mark ? _w[e] - nvi : _degree[e] + _mark - nvi;
                    }
                }

                // 4. Degree update: d_i = Σ_e |L_e \ L_me| + Σ_{j ∉ L_me} nv[j], pruning absorbed elements,
                //    aggressively absorbing elements with L_e ⊆ L_me and dropping variables now covered by me.
                for (int q = pme1; q < pme2; q++)
                {
                    int i = _iw[q];
                    int p1 = _pe[i], pn = p1, ne = 0;
                    long d = 0, h = me;
                    for (int p = p1; p < p1 + _elen[i]; p++)
                    {
                        int e = _iw[p];
                        if (_status[e] != Element) continue;
                        long dext = _w[e] - _mark;
                        if (dext > 0) { d += dext; _iw[pn++] = e; ne++; h += e; }
                        else { _status[e] = Dead; _len[e] = 0; }
                    }
                    for (int p = p1 + _elen[i]; p < p1 + _len[i]; p++)
                    {
                        int j = _iw[p];
                        if (_status[j] != Variable || _inLme[j] == _step) continue;
                        d += _nv[j]; _iw[pn++] = j; h += j;
                    }
                    if (d == 0)
                    {
                        // Mass elimination: i is adjacent to me only, so it is eliminated together with me.
                        _status[i] = Dead; _len[i] = 0;
                        nel += _nv[i]; nvpiv += _nv[i];
                        Emit(i);
                        continue;
                    }
                    _degree[i] = (int)Math.Min(_degree[i], d);
                    int kept = pn - p1;
                    // Absorbing me's neighbourhood pruned at least one entry (me itself or an element adjacent to
                    // me), so there is room to put me at the front of i's element list.
                    if (kept >= _len[i]) throw new InvalidOperationException("AMD invariant broken: no room for the new element");
                    _iw.AsSpan(p1, kept).CopyTo(_iw.AsSpan(p1 + 1));
                    _iw[p1] = me;
                    _elen[i] = ne + 1; _len[i] = kept + 1;
                    int hb = (int)(h % n);
                    _hash[i] = hb; _hashNext[i] = _hashHead[hb]; _hashHead[hb] = i;
                }

                // 5. Supervariables: variables of L_me with identical lists (same elements and variables) merge.
                for (int q = pme1; q < pme2; q++)
                {
                    int i0 = _iw[q];
                    if (_status[i0] != Variable) continue;
                    int hb = _hash[i0];
                    int first = _hashHead[hb];
                    if (first == -1) continue;
                    _hashHead[hb] = -1;
                    for (int i = first; i != -1; i = _hashNext[i])
                    {
                        if (_status[i] != Variable) continue;
                        _seenStamp++;
                        for (int p = _pe[i]; p < _pe[i] + _len[i]; p++) _seen[_iw[p]] = _seenStamp;
                        int prevJ = i;
                        for (int j = _hashNext[i]; j != -1; j = _hashNext[j])
                        {
                            if (_status[j] == Variable && _len[j] == _len[i] && _elen[j] == _elen[i] && AllSeen(j))
                            {
                                _nv[i] += _nv[j]; _nv[j] = 0;
                                _status[j] = Dead; _len[j] = 0;
                                _chainNext[_chainTail[i]] = j; _chainTail[i] = _chainTail[j];
                                _hashNext[prevJ] = _hashNext[j];
                            }
                            else prevJ = j;
                        }
                    }
                }

                // 6. Finalize: degme = |L_me|; approximate degree d_i = min(n_left - nv_i, d_i + |L_me \ i|).
                long degme = 0;
                for (int q = pme1; q < pme2; q++)
                    if (_status[_iw[q]] == Variable) degme += _nv[_iw[q]];
                int pk = pme1;
                for (int q = pme1; q < pme2; q++)
                {
                    int i = _iw[q];
                    if (_status[i] != Variable) continue;
                    int nvi = _nv[i];
                    long deg = Math.Min(_degree[i] + degme - nvi, live - nel - nvi);
                    _degree[i] = (int)deg;
                    Insert(i);
                    if (deg < mindeg) mindeg = (int)deg;
                    _iw[pk++] = i;
                }
                _len[me] = pk - pme1;
                _degree[me] = (int)degme;
                _nv[me] = nvpiv;
                if (_len[me] == 0) _status[me] = Dead;
                if (elenme != 0) _pfree = pk;
                _mark += n + 1;
            }
            return Finish();
        }

        /// <summary>Appends the nodes never emitted (the dense ones) in their original order.</summary>
        private int[] Finish()
        {
            var done = new bool[_n];
            for (int k = 0; k < _emitted; k++) done[_perm[k]] = true;
            for (int i = 0; i < _n; i++)
                if (!done[i]) _perm[_emitted++] = i;
            if (_emitted != _n) throw new InvalidOperationException("AMD produced an incomplete ordering");
            return _perm;
        }

        private void AddToLme(int i, ref int pos)
        {
            if (_status[i] != Variable || _inLme[i] == _step) return;
            _inLme[i] = _step;
            Remove(i);
            _iw[pos++] = i;
        }

        private bool AllSeen(int j)
        {
            for (int p = _pe[j]; p < _pe[j] + _len[j]; p++)
                if (_seen[_iw[p]] != _seenStamp) return false;
            return true;
        }

        private void Emit(int principal)
        {
            for (int k = principal; k != -1; k = _chainNext[k]) _perm[_emitted++] = k;
        }

        private void Insert(int i)
        {
            int d = _degree[i];
            _prev[i] = -1; _next[i] = _head[d];
            if (_head[d] != -1) _prev[_head[d]] = i;
            _head[d] = i;
        }

        private void Remove(int i)
        {
            if (_prev[i] != -1) _next[_prev[i]] = _next[i]; else _head[_degree[i]] = _next[i];
            if (_next[i] != -1) _prev[_next[i]] = _prev[i];
        }

        /// <summary>Makes room for <paramref name="need"/> entries at the end of the workspace: compaction, then growth.</summary>
        private void EnsureFree(int need)
        {
            if (_pfree + (long)need <= _iw.Length) return;
            int count = 0;
            for (int i = 0; i < _n; i++)
                if (_status[i] != Dead && _len[i] > 0) { _sortKeys[count] = _pe[i]; _sortNodes[count] = i; count++; }
            Array.Sort(_sortKeys, _sortNodes, 0, count);
            int dst = 0;
            for (int k = 0; k < count; k++)
            {
                int i = _sortNodes[k];
                _iw.AsSpan(_pe[i], _len[i]).CopyTo(_iw.AsSpan(dst));
                _pe[i] = dst; dst += _len[i];
            }
            _pfree = dst;
            if (_pfree + (long)need > _iw.Length)
                Array.Resize(ref _iw, (int)Math.Min(Array.MaxLength, Math.Max(2L * _iw.Length, _pfree + (long)need)));
        }
    }
}
