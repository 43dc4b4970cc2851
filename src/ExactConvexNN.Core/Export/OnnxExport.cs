using System.Text;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Export;

/// <summary>
/// A trained network as an ONNX model (opset 13, IR version 8): input "x" (float64, N x inputs), output "y" (float64,
/// N x outputs), computing exactly what <see cref="INetwork.Outputs"/> computes, in double precision.
/// <para>
/// Fully connected: <c>y = act([x;1 if bias] U) W</c>, with U the p x J first-layer weights and W the J x O second-layer
/// weights. Convolutional: the patches are gathered from x padded with one zero column (Gather by a precomputed index
/// table, so zero padding and strides need no Conv), reshaped to N x K x p, multiplied by U (N x K x J), activated,
/// pooled by a K x R matrix (1 for sum pooling, 1/|P_r| for average pooling) and flattened to N x (J R) before the
/// second layer W (J R x O, row j R + r, column o holds w_{j, r O + o}).
/// </para>
/// <para>
/// Layerwise stack: block b's hidden layer with its kept filters only, averaged over the feature pool's tiles (the
/// convolutional graph above with average pooling and no W), is block b + 1's input image (channel-major, as
/// <see cref="LayerwiseNetwork.FeatureMap"/> lays it out); the last block's two-layer CNN gives y. Each block's names
/// start with "blockB_".
/// </para>
/// The ONNX protobuf is written by hand (the few messages used: ModelProto, GraphProto, NodeProto, AttributeProto,
/// TensorProto, ValueInfoProto).
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX opset the model uses.</summary>
    public const int Opset = 13;

    /// <summary>The ONNX model of a network of any family: ReLU, gated ReLU, polynomial, three-layer or a layerwise stack.</summary>
    /// <exception cref="InputException">The network's family has no ONNX form.</exception>
    public static byte[] ToOnnx(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        // Batch normalization with the training batch's statistics is an affine first layer: a ReLU network with a bias.
        if (network is BatchNormReluNetwork bn) network = bn.Inference();
        var g = new Graph();
        string doc;
        if (network is LayerwiseNetwork stack)
        {
            // h_1 = x; h_{b+1} = the feature map of block b on h_b (LayerwiseNetwork.FeatureMap: the kept filters'
            // ReLU maps averaged over the pool x pool tiles, channel-major); y = block J's two-layer CNN on h_J.
            string h = "x";
            int blocks = stack.Blocks.Count;
            for (int b = 0; b + 1 < blocks; b++)
            {
                var block = stack.Blocks[b];
                var tiles = NetworkArchitecture.Convolutional(block.Network.Architecture.Image! with { Pool = stack.FeaturePool });
                var filters = block.Features.Select(c => block.Network.Neurons[c].U).ToList();
                h = Hidden(g, block.Network, tiles, h, filters, $"block{b + 1}_");
            }
            TwoLayer(g, stack.Blocks[^1].Network, h, $"block{blocks}_");
            doc = $"ecnn relu layerwise stack of {blocks} blocks, feature pool {stack.FeaturePool}, {network.Architecture.Describe()}";
        }
        else
        {
            TwoLayer(g, network, "x", "");
            doc = $"ecnn {network.Activation}{(network is ThreeLayerReluNetwork ? " three-layer" : "")} {network.Architecture.Describe()}";
        }
        return g.Model(network.Architecture.Inputs, network.Architecture.Outputs, doc);
    }

    /// <summary>
    /// The nodes computing output "y" of a ReLU, polynomial, gated or three-layer network from <paramref name="input"/>
    /// (N x inputs); every other name the nodes make starts with <paramref name="prefix"/>.
    /// </summary>
    private static void TwoLayer(Graph g, INetwork network, string input, string prefix)
    {
        var arch = network.Architecture;
        // The first-layer weights (p x J) and the second-layer weights per neuron (R O each), whatever the family.
        List<(double[] U, double[] W)> neurons = network switch
        {
            TwoLayerReluNetwork relu => relu.Neurons.Select(n => (n.U, n.OutputWeights(relu.Architecture.Outputs))).ToList(),
            PolyNetwork poly => poly.Neurons.Select(n => (n.U, n.W)).ToList(),
            VectorReluNetwork vector => vector.Neurons.Select(n => (n.U, n.W)).ToList(),
            GatedReluNetwork gated => gated.Neurons.Select(n => (n.U, new[] { n.W })).ToList(),
            // Three layers: neuron l's second-layer weights as a row over the units (w_l in its unit's column).
            ThreeLayerReluNetwork three => three.Neurons.Select(n => (n.U, Enumerable.Range(0, Math.Max(1, three.Units)).Select(k => k == n.Unit ? n.W : 0).ToArray())).ToList(),
            _ => throw new InputException($"no ONNX export for networks with activation '{network.Activation}'; export a relu, poly, gated_relu or layerwise network"),
        };
        var threeLayer = network as ThreeLayerReluNetwork;
        // o: the columns of W, the network's outputs, or the units of a three-layer network (whose output is (.)_+ C after W).
        int p = arch.PatchLength, r = arch.Regions.Count, o = threeLayer is null ? arch.Outputs : Math.Max(1, threeLayer.Units);
        string s = prefix, second = threeLayer is null ? "y" : s + "h";
        // A network without neurons predicts 0: one neuron with zero weights gives exactly that and avoids empty tensors.
        if (neurons.Count == 0) neurons.Add((new double[p], new double[r * o]));
        int j = neurons.Count;

        var w = new double[j * r * o];
        for (int q = 0; q < j; q++)
            for (int t = 0; t < r; t++)
                for (int c = 0; c < o; c++) w[(q * r + t) * o + c] = neurons[q].W[t * o + c];
        g.Double(s + "W", w, j * r, o);
        string features = Hidden(g, network, arch, input, neurons.Select(n => n.U).ToList(), s);   // N x J R
        g.Node("MatMul", [features, s + "W"], second);                                          // N x O
        if (threeLayer is not null)
        {
            // y = (h)_+ C with C the units' output weights (K x 1; one zero unit when there is none).
            var c = threeLayer.Units == 0 ? new[] { 0.0 } : threeLayer.UnitWeights.ToArray();
            g.Double(s + "C", c, c.Length, 1);
            g.Node("Relu", [second], s + "h_act");
            g.Node("MatMul", [s + "h_act", s + "C"], "y");                                     // N x 1
        }
    }

    /// <summary>
    /// The hidden layer of <paramref name="network"/>'s family with first-layer weights <paramref name="filters"/> (each
    /// of length p) on <paramref name="input"/>, pooled over the regions of <paramref name="arch"/>: N x (J R), neuron j's
    /// region r in column j R + r (N x J when fully connected); returns its name. Gated networks take their gates from
    /// <paramref name="network"/> (filters j are its neurons). Every name made starts with <paramref name="s"/>.
    /// </summary>
    private static string Hidden(Graph g, INetwork network, NetworkArchitecture arch, string input, List<double[]> filters, string s)
    {
        int p = arch.PatchLength, j = filters.Count;
        var u = new double[p * j];
        for (int c = 0; c < p; c++) for (int q = 0; q < j; q++) u[c * j + q] = filters[q][c];
        g.Double(s + "U", u, p, j);
        if (network is GatedReluNetwork gatedNetwork)
        {
            // The gates G (p x J), beside U; a network without neurons got one zero neuron, whose gate is zero too.
            var gates = new double[p * j];
            for (int c = 0; c < p; c++)
                for (int q = 0; q < gatedNetwork.Neurons.Count; q++) gates[c * j + q] = gatedNetwork.Neurons[q].Gate[c];
            g.Double(s + "G", gates, p, j);
            g.Double(s + "gate_zero", [0.0]);
        }

        if (arch.Image is null)
        {
            if (arch.Bias)
            {
                // [x, 1]: pad the last axis with one column of ones.
                g.Int64(s + "bias_pads", [0, 0, 0, 1], 4);
                g.Double(s + "one", [1.0]);
                g.Node("Pad", [input, s + "bias_pads", s + "one"], s + "x1");
                input = s + "x1";
            }
            g.Node("MatMul", [input, s + "U"], s + "z");                          // N x J
            if (network is GatedReluNetwork) g.Node("MatMul", [input, s + "G"], s + "zg");
            return Activate(g, network, s);
        }
        int k = arch.Patches, r = arch.Regions.Count;
        g.Int64(s + "zero_pads", [0, 0, 0, 1], 4);
        g.Double(s + "zero", [0.0]);
        g.Node("Pad", [input, s + "zero_pads", s + "zero"], s + "x0");          // N x (d + 1), column d is 0
        g.Int64(s + "patch_index", PatchIndex(arch), k * p);
        g.Node("Gather", [s + "x0", s + "patch_index"], s + "flat_patches", Attribute.Int("axis", 1));   // N x K p
        g.Int64(s + "patch_shape", [0, k, p], 3);
        g.Node("Reshape", [s + "flat_patches", s + "patch_shape"], s + "patches"); // N x K x p
        g.Node("MatMul", [s + "patches", s + "U"], s + "z");                   // N x K x J
        if (network is GatedReluNetwork) g.Node("MatMul", [s + "patches", s + "G"], s + "zg");
        string z = Activate(g, network, s);
        g.Node("Transpose", [z], s + "zt", Attribute.Ints("perm", [0, 2, 1]));  // N x J x K
        var pool = new double[k * r];
        for (int t = 0; t < r; t++)
        {
            var region = arch.Regions[t];
            foreach (int q in region) pool[q * r + t] = arch.SumPooling ? 1.0 : 1.0 / region.Length;
        }
        g.Double(s + "pool", pool, k, r);
        g.Node("MatMul", [s + "zt", s + "pool"], s + "pooled");                 // N x J x R
        g.Int64(s + "pooled_shape", [0, j * r], 2);
        g.Node("Reshape", [s + "pooled", s + "pooled_shape"], s + "features"); // N x J R
        return s + "features";
    }

    /// <summary>The activation of the pre-activations "z" (and the gates' "zg") named with prefix <paramref name="s"/>; returns the output's name.</summary>
    private static string Activate(Graph g, INetwork network, string s)
    {
        string z = s + "z", act = s + "act";
        switch (network)
        {
            case TwoLayerReluNetwork or ThreeLayerReluNetwork or VectorReluNetwork:
                g.Node("Relu", [z], act);
                return act;
            case PolyNetwork poly:
                // sigma(z) = (a z + b) z + c, as PolynomialActivation.Value computes it.
                var a = poly.Polynomial;
                g.Double(s + "poly_a", [a.A]); g.Double(s + "poly_b", [a.B]); g.Double(s + "poly_c", [a.C]);
                g.Node("Mul", [z, s + "poly_a"], s + "az");
                g.Node("Add", [s + "az", s + "poly_b"], s + "azb");
                g.Node("Mul", [s + "azb", z], s + "azbz");
                g.Node("Add", [s + "azbz", s + "poly_c"], act);
                return act;
            case GatedReluNetwork:
                // 1[x'g >= 0] x'u: the gate's pre-activation zg, compared with 0 and cast to double (TensorProto DOUBLE = 11).
                g.Node("GreaterOrEqual", [s + "zg", s + "gate_zero"], s + "open");
                g.Node("Cast", [s + "open"], s + "open_d", Attribute.Int("to", 11));
                g.Node("Mul", [z, s + "open_d"], act);
                return act;
            default:
                throw new InputException($"no ONNX export for networks with activation '{network.Activation}'");
        }
    }

    /// <summary>
    /// For patch k and position c, the column of x it copies, or <see cref="NetworkArchitecture.Inputs"/> for zero
    /// padding: read off <see cref="NetworkArchitecture.ExtractPatches"/> applied to one row holding 1, 2, ..., d.
    /// </summary>
    internal static long[] PatchIndex(NetworkArchitecture arch)
    {
        int d = arch.Inputs;
        var probe = new double[1, d];
        for (int i = 0; i < d; i++) probe[0, i] = i + 1;
        var row = arch.ExtractPatches(probe)[0];
        var index = new long[row.Length];
        for (int t = 0; t < row.Length; t++)
        {
            double v = row[t];
            if (v != Math.Floor(v) || v < 0 || v > d) throw new InvalidOperationException($"patch value {v} is not a copy of an input");
            index[t] = v == 0 ? d : (long)v - 1;
        }
        return index;
    }

    /// <summary>An ONNX attribute (INT or INTS).</summary>
    private sealed record Attribute(string Name, long[] Values, bool Single)
    {
        public static Attribute Int(string name, long v) => new(name, [v], true);
        public static Attribute Ints(string name, long[] v) => new(name, v, false);

        public byte[] Encode()
        {
            var m = new ProtoWriter();
            m.String(1, Name);
            if (Single) m.Varint(3, Values[0]);
            else foreach (long v in Values) m.Varint(8, v);
            m.Varint(20, Single ? 2 : 7);   // AttributeType INT = 2, INTS = 7
            return m.ToArray();
        }
    }

    /// <summary>The graph under construction: nodes and initializers, in order.</summary>
    private sealed class Graph
    {
        private const int DoubleType = 11, Int64Type = 7;   // TensorProto.DataType
        private readonly List<byte[]> _nodes = [];
        private readonly List<byte[]> _initializers = [];

        public void Node(string op, string[] inputs, string output, params Attribute[] attributes)
        {
            var m = new ProtoWriter();
            foreach (var i in inputs) m.String(1, i);
            m.String(2, output);
            m.String(3, $"{op}_{_nodes.Count}");
            m.String(4, op);
            foreach (var a in attributes) m.Message(5, a.Encode());
            _nodes.Add(m.ToArray());
        }

        /// <summary>A float64 initializer of the given dimensions (none: a scalar).</summary>
        public void Double(string name, double[] values, params long[] dims)
        {
            var raw = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(raw.AsSpan(i * 8), BitConverter.DoubleToInt64Bits(values[i]));
            if (!BitConverter.IsLittleEndian) for (int i = 0; i < values.Length; i++) raw.AsSpan(i * 8, 8).Reverse();
            Tensor(name, DoubleType, raw, dims);
        }

        /// <summary>An int64 initializer of the given dimensions.</summary>
        public void Int64(string name, long[] values, params long[] dims)
        {
            var raw = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(raw.AsSpan(i * 8), values[i]);
            if (!BitConverter.IsLittleEndian) for (int i = 0; i < values.Length; i++) raw.AsSpan(i * 8, 8).Reverse();
            Tensor(name, Int64Type, raw, dims);
        }

        private void Tensor(string name, int type, byte[] raw, long[] dims)
        {
            var m = new ProtoWriter();
            foreach (long dim in dims) m.Varint(1, dim);
            m.Varint(2, type);
            m.String(8, name);
            m.Bytes(9, raw);
            _initializers.Add(m.ToArray());
        }

        /// <summary>A float64 matrix value "name" of shape [N, columns] with N symbolic.</summary>
        private static byte[] ValueInfo(string name, int columns)
        {
            var rows = new ProtoWriter(); rows.String(2, "N");
            var cols = new ProtoWriter(); cols.Varint(1, columns);
            var shape = new ProtoWriter(); shape.Message(1, rows.ToArray()); shape.Message(1, cols.ToArray());
            var tensor = new ProtoWriter(); tensor.Varint(1, DoubleType); tensor.Message(2, shape.ToArray());
            var type = new ProtoWriter(); type.Message(1, tensor.ToArray());
            var m = new ProtoWriter(); m.String(1, name); m.Message(2, type.ToArray());
            return m.ToArray();
        }

        public byte[] Model(int inputs, int outputs, string doc)
        {
            var graph = new ProtoWriter();
            foreach (var n in _nodes) graph.Message(1, n);
            graph.String(2, "ecnn");
            foreach (var t in _initializers) graph.Message(5, t);
            graph.String(10, doc);
            graph.Message(11, ValueInfo("x", inputs));
            graph.Message(12, ValueInfo("y", outputs));
            var opset = new ProtoWriter(); opset.String(1, ""); opset.Varint(2, Opset);
            var model = new ProtoWriter();
            model.Varint(1, 8);                                   // ir_version
            model.String(2, "ecnn");                              // producer_name
            model.String(3, typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "0"); // producer_version
            model.Message(7, graph.ToArray());
            model.Message(8, opset.ToArray());
            return model.ToArray();
        }
    }

    /// <summary>The protobuf wire format: varints and length-delimited fields.</summary>
    private sealed class ProtoWriter : IDisposable
    {
        private readonly MemoryStream _s = new();

        public void Dispose() => _s.Dispose();

        private void Raw(ulong v)
        {
            while (v >= 0x80) { _s.WriteByte((byte)(v | 0x80)); v >>= 7; }
            _s.WriteByte((byte)v);
        }

        public void Varint(int field, long value) { Raw((ulong)field << 3); Raw((ulong)value); }

        public void Bytes(int field, byte[] value) { Raw(((ulong)field << 3) | 2); Raw((ulong)value.Length); _s.Write(value); }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, byte[] encoded) => Bytes(field, encoded);

        public byte[] ToArray() => _s.ToArray();
    }
}
