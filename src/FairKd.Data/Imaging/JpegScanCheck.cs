using System.Buffers.Binary;

namespace FairKd.Data.Imaging;

/// <summary>
/// Exact completeness check of a Huffman-coded JPEG (baseline, extended sequential and progressive), which ImageSharp
/// 2.1.13 does not make: it decodes a scan that stops early (a cut file, or a file whose end-of-image marker follows a
/// shortened scan) into grey or black blocks. The marker segments are walked (each inside the file) and every scan's
/// entropy-coded data is Huffman-decoded without dequantising or transforming: it must hold every MCU the frame header
/// and the scan header call for (blocks of all components, EOB runs and successive-approximation correction bits of
/// progressive scans included), with a restart marker after every restart interval; and an end-of-image marker must
/// follow the last scan. Bytes after a complete scan and before its marker are tolerated (libjpeg's "extraneous bytes").
/// Other coding processes (arithmetic, lossless, hierarchical) and frames whose height comes from a DNL marker get only
/// the container check: an end-of-image marker after the last scan.
/// </summary>
internal static class JpegScanCheck
{
    /// <summary>Null when every scan is complete and the file ends with EOI; otherwise what is wrong.</summary>
    public static string? FindIncomplete(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return "no JPEG start-of-image marker";
        var pos = 2;
        Frame? frame = null;
        var dc = new Huffman?[4];
        var ac = new Huffman?[4];
        var restartInterval = 0;
        var scans = 0;
        while (true)
        {
            // The next marker: 0xFF, optional fill 0xFF bytes, a marker code.
            if (pos >= jpeg.Length) return scans == 0 ? "JPEG ends before its scan data" : "JPEG has no end-of-image marker after its scan data";
            if (jpeg[pos] != 0xFF) return $"JPEG has data where a marker should be (byte {pos})";
            while (pos < jpeg.Length && jpeg[pos] == 0xFF) pos++;
            if (pos >= jpeg.Length) return "JPEG has no end-of-image marker after its scan data";
            var marker = jpeg[pos++];
            if (marker == 0xD9) return scans == 0 ? "JPEG has no scan data before its end-of-image marker" : null;
            if (marker is 0x01 or >= 0xD0 and <= 0xD7) continue; // standalone markers
            if (jpeg.Length - pos < 2) return "JPEG is cut off in a marker segment";
            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[pos..]);
            if (length < 2 || pos + length > jpeg.Length) return $"JPEG is cut off in the segment of marker FF{marker:X2} at byte {pos - 2}";
            var segment = jpeg.Slice(pos + 2, length - 2);
            pos += length;
            switch (marker)
            {
                case 0xC0 or 0xC1 or 0xC2:
                    frame = Frame.Parse(segment, progressive: marker == 0xC2);
                    if (frame is null) return "JPEG frame header is malformed";
                    if (frame.Height == 0) return EoiAfterLastScan(jpeg); // height from a DNL marker: container check only
                    break;
                case 0xC3 or (>= 0xC5 and <= 0xC7) or (>= 0xC9 and <= 0xCB) or (>= 0xCD and <= 0xCF) or 0xCC:
                    return EoiAfterLastScan(jpeg); // lossless, hierarchical or arithmetic coding: container check only
                case 0xC4:
                    if (!Huffman.ParseSegment(segment, dc, ac)) return "JPEG Huffman table is malformed";
                    break;
                case 0xDD:
                    if (segment.Length < 2) return "JPEG restart interval segment is malformed";
                    restartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                    break;
                case 0xDA:
                    if (frame is null) return "JPEG scan comes before its frame header";
                    var scan = new ScanDecoder(frame, dc, ac, restartInterval);
                    var problem = scan.Run(jpeg, segment, ref pos);
                    if (problem is not null) return problem;
                    scans++;
                    break;
            }
        }
    }

    /// <summary>The old container rule: an EOI (FF D9) after the start of the last scan (FF DA). Inside entropy-coded data
    /// every FF is stuffed (FF 00) or a restart marker, so an FF D9 after the last FF DA can only be the real end.</summary>
    private static string? EoiAfterLastScan(ReadOnlySpan<byte> jpeg)
    {
        var lastScan = jpeg.LastIndexOf([(byte)0xFF, (byte)0xDA]);
        return lastScan >= 0 && jpeg.LastIndexOf([(byte)0xFF, (byte)0xD9]) > lastScan ? null : "JPEG has no end-of-image marker after its scan data";
    }

    private sealed class Frame
    {
        public required bool Progressive { get; init; }

        public required int Width { get; init; }

        public required int Height { get; init; }

        public required Component[] Components { get; init; }

        public int HMax => Components.Max(c => c.H);

        public int VMax => Components.Max(c => c.V);

        public int McusX => Ceil(Width, 8 * HMax);

        public int McusY => Ceil(Height, 8 * VMax);

        public static Frame? Parse(ReadOnlySpan<byte> s, bool progressive)
        {
            if (s.Length < 6) return null;
            int height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]), width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]), n = s[5];
            if (width == 0 || n == 0 || s.Length < 6 + (3 * n)) return null;
            var components = new Component[n];
            for (var i = 0; i < n; i++)
            {
                var c = s.Slice(6 + (3 * i), 3);
                int h = c[1] >> 4, v = c[1] & 15;
                if (h is < 1 or > 4 || v is < 1 or > 4) return null;
                components[i] = new Component(c[0], h, v);
            }

            var frame = new Frame { Progressive = progressive, Width = width, Height = height, Components = components };
            foreach (var c in components)
            {
                c.BlocksWide = Ceil(Ceil(width * c.H, frame.HMax), 8);
                c.BlocksHigh = Ceil(Ceil(height * c.V, frame.VMax), 8);
                c.GridWidth = frame.McusX * c.H;
                if (progressive) c.NonZero = new ulong[frame.McusX * c.H * frame.McusY * c.V];
            }

            return frame;
        }
    }

    private sealed class Component(int id, int h, int v)
    {
        public int Id { get; } = id;

        public int H { get; } = h;

        public int V { get; } = v;

        public int BlocksWide { get; set; }

        public int BlocksHigh { get; set; }

        /// <summary>Blocks per row of the MCU-padded grid.</summary>
        public int GridWidth { get; set; }

        /// <summary>Progressive only: per block, a bit per zig-zag coefficient that is already non-zero.</summary>
        public ulong[] NonZero { get; set; } = [];
    }

    /// <summary>A Huffman table: an 8-bit lookahead table and the canonical code ranges for longer codes.</summary>
    private sealed class Huffman
    {
        private readonly ushort[] fast = new ushort[256]; // (length << 8) | symbol, 0 = longer than 8 bits
        private readonly int[] maxCode = new int[18];
        private readonly int[] valOffset = new int[17];
        private readonly byte[] values;

        private Huffman(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
        {
            values = symbols.ToArray();
            int code = 0, k = 0;
            for (var len = 1; len <= 16; len++)
            {
                valOffset[len] = k - code;
                for (var i = 0; i < counts[len - 1]; i++, k++, code++)
                {
                    if (len <= 8)
                    {
                        var first = code << (8 - len);
                        for (var j = 0; j < 1 << (8 - len); j++) fast[first + j] = (ushort)((len << 8) | values[k]);
                    }
                }

                maxCode[len] = counts[len - 1] == 0 ? -1 : code - 1;
                code <<= 1;
            }

            maxCode[17] = int.MaxValue;
        }

        /// <summary>Reads every table of a DHT segment into <paramref name="dc"/> / <paramref name="ac"/>.</summary>
        public static bool ParseSegment(ReadOnlySpan<byte> s, Huffman?[] dc, Huffman?[] ac)
        {
            while (s.Length > 0)
            {
                if (s.Length < 17) return false;
                int tc = s[0] >> 4, th = s[0] & 15;
                if (tc > 1 || th > 3) return false;
                var counts = s.Slice(1, 16);
                var total = 0;
                foreach (var c in counts) total += c;
                if (total > 256 || s.Length < 17 + total) return false;
                // A code space that overflows (more codes of a length than fit) is malformed.
                long space = 1;
                foreach (var c in counts)
                {
                    space = (space * 2) - c;
                    if (space < 0) return false;
                }

                var table = new Huffman(counts, s.Slice(17, total));
                if (tc == 0) dc[th] = table;
                else ac[th] = table;
                s = s[(17 + total)..];
            }

            return true;
        }

        /// <summary>Decodes one symbol; -1 for a code that is not in the table.</summary>
        public int Decode(ref BitReader bits)
        {
            var e = fast[bits.Peek(8)];
            if (e != 0) return bits.Skip(e >> 8) ? e & 0xFF : -1;
            var code = bits.Peek(16);
            for (var len = 9; len <= 16; len++)
            {
                var c = code >> (16 - len);
                if (c <= maxCode[len]) return bits.Skip(len) ? values[c + valOffset[len]] : -1;
            }

            // No code matches: corrupt data, unless the data ended within these 16 bits (the zeros after it decide nothing).
            bits.MarkShortIfExhausted(16);
            return -1;
        }
    }

    /// <summary>
    /// Bits of entropy-coded data, most significant first, with stuffed bytes (FF 00) removed. Stops at the first marker
    /// (or the end of the file); reading past it means the scan is short. Peeks past it see zeros.
    /// </summary>
    private ref struct BitReader(ReadOnlySpan<byte> data, int start)
    {
        private readonly ReadOnlySpan<byte> data = data;
        private ulong acc;
        private int count;

        /// <summary>Position of the next unread byte, or of the marker that stopped reading.</summary>
        public int Position { get; private set; } = start;

        /// <summary>True once a marker or the end of the file stopped reading.</summary>
        public bool Stopped { get; private set; }

        /// <summary>True once a read needed bits beyond the end of the data.</summary>
        public bool Short { get; private set; }

        public void MarkShortIfExhausted(int n)
        {
            if (count < n) Fill();
            if (count < n) Short = true;
        }

        public int Peek(int n)
        {
            if (count < n) Fill();
            return (int)(acc >> (64 - n));
        }

        /// <summary>Consumes <paramref name="n"/> bits; false when the data ends before them.</summary>
        public bool Skip(int n)
        {
            if (count < n) Fill();
            if (count < n)
            {
                Short = true;
                return false;
            }

            acc <<= n;
            count -= n;
            return true;
        }

        /// <summary>Reads an <paramref name="n"/>-bit value (0 for n = 0); -1 when the data ends before it.</summary>
        public int Bits(int n)
        {
            if (n == 0) return 0;
            var v = Peek(n);
            return Skip(n) ? v : -1;
        }

        /// <summary>Drops the bits left in the current byte and the bytes read ahead that were not used; returns the
        /// position where reading continues (a marker, when the data ended there).</summary>
        public int Align()
        {
            // Whole bytes read ahead are given back so the caller sees them.
            var wholeBytes = count / 8;
            var p = Position;
            while (wholeBytes > 0)
            {
                p--;
                if (p > 0 && data[p] == 0x00 && data[p - 1] == 0xFF) p--;
                wholeBytes--;
            }

            acc = 0;
            count = 0;
            Stopped = false;
            Short = false;
            Position = p;
            return p;
        }

        private void Fill()
        {
            while (count <= 56 && !Stopped)
            {
                if (Position >= data.Length)
                {
                    Stopped = true;
                    break;
                }

                var b = data[Position];
                if (b == 0xFF)
                {
                    if (Position + 1 < data.Length && data[Position + 1] == 0x00)
                    {
                        Position += 2;
                    }
                    else
                    {
                        Stopped = true; // a marker (or a fill byte before one): the data ends here
                        break;
                    }
                }
                else
                {
                    Position++;
                }

                acc |= (ulong)b << (56 - count);
                count += 8;
            }
        }
    }

    private sealed class ScanDecoder(Frame frame, Huffman?[] dcTables, Huffman?[] acTables, int restartInterval)
    {
        private Component[] comps = [];
        private Huffman?[] dc = [];
        private Huffman?[] ac = [];
        private int ss, se, ah;
        private int eobRun;

        /// <summary>Decodes the scan whose header is <paramref name="header"/> and whose data starts at <paramref name="pos"/>;
        /// on success <paramref name="pos"/> is the marker after the data.</summary>
        public string? Run(ReadOnlySpan<byte> jpeg, ReadOnlySpan<byte> header, ref int pos)
        {
            if (header.Length < 1) return "JPEG scan header is malformed";
            var n = header[0];
            if (n is < 1 or > 4 || header.Length < 1 + (2 * n) + 3) return "JPEG scan header is malformed";
            comps = new Component[n];
            dc = new Huffman?[n];
            ac = new Huffman?[n];
            for (var i = 0; i < n; i++)
            {
                int id = header[1 + (2 * i)], tables = header[2 + (2 * i)];
                var c = frame.Components.FirstOrDefault(x => x.Id == id);
                if (c is null) return $"JPEG scan names component {id}, which the frame does not have";
                comps[i] = c;
                dc[i] = dcTables[(tables >> 4) & 3];
                ac[i] = acTables[tables & 3];
            }

            ss = header[1 + (2 * n)];
            se = header[2 + (2 * n)];
            ah = header[3 + (2 * n)] >> 4;
            if (ss > 63 || se > 63 || ss > se || (!frame.Progressive && (ss != 0 || se != 63)) || (frame.Progressive && ss == 0 && se != 0)
                || (frame.Progressive && ss > 0 && n != 1))
                return "JPEG scan header has an invalid spectral selection";
            for (var i = 0; i < n; i++)
            {
                var needsDc = ss == 0 && ah == 0;
                var needsAc = se > 0;
                if ((needsDc && dc[i] is null) || (needsAc && ac[i] is null)) return "JPEG scan uses a Huffman table that was not defined";
            }

            var units = n == 1 ? comps[0].BlocksWide * comps[0].BlocksHigh : frame.McusX * frame.McusY;
            var bits = new BitReader(jpeg, pos);
            var expectedRst = 0;
            for (var u = 0; u < units; u++)
            {
                if (restartInterval > 0 && u > 0 && u % restartInterval == 0)
                {
                    var at = bits.Align();
                    var next = NextMarker(jpeg, at);
                    if (next < 0 || jpeg[next] != 0xD0 + expectedRst)
                        return $"JPEG scan data ends before MCU {u} of {units} (restart marker {expectedRst} missing)";
                    expectedRst = (expectedRst + 1) & 7;
                    bits = new BitReader(jpeg, next + 1);
                    eobRun = 0;
                }

                var ok = n == 1 ? Block(ref bits, 0, u % comps[0].BlocksWide, u / comps[0].BlocksWide) : Mcu(ref bits, u);
                if (!ok) return bits.Short
                    ? $"JPEG scan data ends before MCU {u} of {units} is complete"
                    : $"JPEG scan data is corrupt at MCU {u} of {units} (a code that is not in its Huffman table)";
            }

            var end = NextMarker(jpeg, bits.Align());
            if (end < 0) return "JPEG has no end-of-image marker after its scan data";
            pos = end - 1; // at the FF of the marker
            return null;
        }

        /// <summary>Index of the marker code after <paramref name="from"/> (skipping extraneous data bytes and fill bytes), or -1.</summary>
        private static int NextMarker(ReadOnlySpan<byte> jpeg, int from)
        {
            for (var p = from; p + 1 < jpeg.Length; p++)
            {
                if (jpeg[p] != 0xFF) continue;
                var q = p + 1;
                while (q < jpeg.Length && jpeg[q] == 0xFF) q++;
                if (q >= jpeg.Length) return -1;
                if (jpeg[q] == 0x00)
                {
                    p = q;
                    continue;
                }

                return q;
            }

            return -1;
        }

        private bool Mcu(ref BitReader bits, int u)
        {
            int mx = u % frame.McusX, my = u / frame.McusX;
            for (var i = 0; i < comps.Length; i++)
            {
                var c = comps[i];
                for (var v = 0; v < c.V; v++)
                {
                    for (var h = 0; h < c.H; h++)
                    {
                        if (!Block(ref bits, i, (mx * c.H) + h, (my * c.V) + v)) return false;
                    }
                }
            }

            return true;
        }

        private bool Block(ref BitReader bits, int i, int bx, int by)
        {
            var c = comps[i];
            if (!frame.Progressive) return Sequential(ref bits, dc[i]!, ac[i]!);
            ref var nz = ref c.NonZero[(by * c.GridWidth) + bx];
            if (ss == 0) return ah == 0 ? DcFirst(ref bits, dc[i]!) : bits.Skip(1);
            return ah == 0 ? AcFirst(ref bits, ac[i]!, ref nz) : AcRefine(ref bits, ac[i]!, ref nz);
        }

        private static bool Sequential(ref BitReader bits, Huffman dc, Huffman ac)
        {
            if (!DcFirst(ref bits, dc)) return false;
            for (var k = 1; k < 64;)
            {
                var rs = ac.Decode(ref bits);
                if (rs < 0) return false;
                int r = rs >> 4, s = rs & 15;
                if (s == 0)
                {
                    if (r != 15) return true; // end of block
                    k += 16;
                    continue;
                }

                k += r;
                if (bits.Bits(s) < 0) return false;
                k++;
            }

            return true;
        }

        private static bool DcFirst(ref BitReader bits, Huffman dc)
        {
            var s = dc.Decode(ref bits);
            return s >= 0 && s <= 16 && bits.Bits(s) >= 0;
        }

        private bool AcFirst(ref BitReader bits, Huffman ac, ref ulong nz)
        {
            if (eobRun > 0)
            {
                eobRun--;
                return true;
            }

            for (var k = ss; k <= se;)
            {
                var rs = ac.Decode(ref bits);
                if (rs < 0) return false;
                int r = rs >> 4, s = rs & 15;
                if (s == 0)
                {
                    if (r < 15)
                    {
                        var extra = bits.Bits(r);
                        if (extra < 0) return false;
                        eobRun = (1 << r) + extra - 1;
                        return true;
                    }

                    k += 16;
                    continue;
                }

                k += r;
                if (bits.Bits(s) < 0) return false;
                if (k <= 63) nz |= 1UL << k;
                k++;
            }

            return true;
        }

        /// <summary>Successive approximation of AC coefficients, as libjpeg's decode_mcu_AC_refine reads it: new coefficients
        /// of magnitude 1, a correction bit for every already non-zero coefficient passed, EOB runs.</summary>
        private bool AcRefine(ref BitReader bits, Huffman ac, ref ulong nz)
        {
            var k = ss;
            if (eobRun == 0)
            {
                for (; k <= se; k++)
                {
                    var rs = ac.Decode(ref bits);
                    if (rs < 0) return false;
                    int r = rs >> 4, s = rs & 15;
                    if (s != 0)
                    {
                        if (bits.Bits(1) < 0) return false; // sign of the new coefficient
                    }
                    else if (r != 15)
                    {
                        var extra = bits.Bits(r);
                        if (extra < 0) return false;
                        eobRun = (1 << r) + extra;
                        break;
                    }

                    do
                    {
                        if ((nz & (1UL << k)) != 0)
                        {
                            if (!bits.Skip(1)) return false; // correction bit
                        }
                        else if (--r < 0)
                        {
                            break;
                        }

                        k++;
                    }
                    while (k <= se);

                    if (s != 0 && k <= 63) nz |= 1UL << k;
                }
            }

            if (eobRun > 0)
            {
                for (; k <= se; k++)
                {
                    if ((nz & (1UL << k)) != 0 && !bits.Skip(1)) return false;
                }

                eobRun--;
            }

            return true;
        }
    }

    private static int Ceil(int a, int b) => (a + b - 1) / b;
}
