using System.IO.Compression;
using System.Text;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Opens the text files the readers parse (problem files and CSV data), decompressing gzip transparently. A gzip file
/// is recognized by its magic bytes (1f 8b), whatever its name; a name ending in <c>.gz</c> must hold gzip data. The
/// decompressed data is checked against the gzip trailer (CRC-32 and length, the last 8 bytes of the file) when the
/// compressed data ends, so a truncated or damaged file is refused with an <see cref="InputException"/> instead of
/// being read as a shorter file.
/// </summary>
public static class InputText
{
    private const string GzSuffix = ".gz";

    /// <summary><paramref name="path"/> without a trailing <c>.gz</c> (any case): the name that carries the format's extension.</summary>
    public static string WithoutGz(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.EndsWith(GzSuffix, StringComparison.OrdinalIgnoreCase) ? path[..^GzSuffix.Length] : path;
    }

    /// <summary>
    /// Opens <paramref name="path"/> (which must exist) as UTF-8 text, decompressing gzip data. Reading past the end of
    /// truncated or damaged gzip data throws an <see cref="InputException"/>.
    /// </summary>
    /// <exception cref="InputException">The file cannot be opened, is named .gz but is not gzip data, or is too short to be gzip.</exception>
    public static TextReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = Path.GetFileName(path);
        FileStream file;
        try { file = File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot open '{path}': {OneLine(e.Message)}; check the path and the permissions");
        }
        try
        {
            Span<byte> head = stackalloc byte[2];
            int got = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            bool gzip = got == 2 && head[0] == 0x1f && head[1] == 0x8b;
            if (!gzip && path.EndsWith(GzSuffix, StringComparison.OrdinalIgnoreCase))
                throw new InputException($"'{name}' ends in .gz but is not gzip data; decompress it properly or remove the .gz from its name");
            file.Position = 0;
            Stream stream = gzip ? new CheckedGZipStream(file, name) : file;
            return new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> with <see cref="Open"/>, parses it, then reads what the parser left (for instance
    /// after an MPS ENDATA line) so that the gzip check always runs before a result is returned.
    /// </summary>
    /// <exception cref="InputException">The file cannot be read, its gzip data is damaged, or <paramref name="parse"/> refuses it.</exception>
    public static T Read<T>(string path, Func<TextReader, T> parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        using var reader = Open(path);
        var result = parse(reader);
        var rest = new char[4096];
        while (reader.Read(rest, 0, rest.Length) > 0) { }
        return result;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim().TrimEnd('.');

    /// <summary>
    /// Decompresses gzip data and, when it ends, compares the CRC-32 and length of what was read with the trailer
    /// (the last 8 bytes of the file). <see cref="GZipStream"/> alone returns end of data early, without an error, when the
    /// compressed data is cut short.
    /// </summary>
    private sealed class CheckedGZipStream : Stream
    {
        // gzip header (10 bytes) + the smallest deflate data (2 bytes) + trailer (8 bytes).
        private const int MinimumLength = 20;
        private readonly GZipStream _inner;
        private readonly string _name;
        private readonly uint _expectedCrc, _expectedLength;
        private uint _crc = 0xFFFFFFFFu;
        private long _length;
        private bool _ended;

        public CheckedGZipStream(FileStream file, string name)
        {
            _name = name;
            if (file.Length < MinimumLength) throw Truncated();
            Span<byte> trailer = stackalloc byte[8];
            file.Position = file.Length - 8;
            file.ReadExactly(trailer);
            _expectedCrc = BitConverter.ToUInt32(trailer[..4]);
            _expectedLength = BitConverter.ToUInt32(trailer[4..]);
            if (!BitConverter.IsLittleEndian)
            {
                _expectedCrc = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(_expectedCrc);
                _expectedLength = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(_expectedLength);
            }
            file.Position = 0;
            _inner = new GZipStream(file, CompressionMode.Decompress);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_ended || buffer.Length == 0) return 0;
            int got;
            try { got = _inner.Read(buffer); }
            catch (InvalidDataException) { throw Damaged(); }
            if (got == 0)
            {
                _ended = true;
                if ((_crc ^ 0xFFFFFFFFu) != _expectedCrc || (uint)_length != _expectedLength) throw Truncated();
                return 0;
            }
            _crc = Crc32.Update(_crc, buffer[..got]);
            _length += got;
            return got;
        }

        private InputException Truncated() => new(
            $"'{_name}' is truncated or damaged gzip data (it does not end with the checksum and length of its contents); download or compress the file again");

        private InputException Damaged() => new(
            $"'{_name}' is damaged gzip data (the compressed bytes are invalid); download or compress the file again");

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of the gzip trailer.</summary>
    internal static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        private static uint[] BuildTable()
        {
            var t = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                t[n] = c;
            }
            return t;
        }

        /// <summary>Continues a running CRC (start with 0xFFFFFFFF, finish by inverting all bits).</summary>
        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
    }
}
