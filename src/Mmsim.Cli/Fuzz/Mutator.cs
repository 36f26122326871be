using System.Globalization;
using System.Text;

namespace Mmsim.Cli.Fuzz;

/// <summary>
/// Seeded mutations of real inputs, as a mutation fuzzer (AFL's havoc stage, libFuzzer's
/// MutationDispatcher) applies them: bit and byte flips, interesting values, deleted, duplicated
/// and spliced ranges, truncation and random bytes; for text, also whole lines moved or taken
/// from another input, and numbers swapped for boundary values (0, -1, page and 2 MiB edges,
/// 2^31, 2^32, 2^47, 2^63, 2^64 - 1, overlong digit strings). Deterministic for a seed.
/// </summary>
internal sealed class Mutator
{
    private static readonly string[] s_interestingNumbers =
    [
        "0", "1", "-1", "4095", "4096", "4097", "2097152", "2147483647", "2147483648", "-2147483648",
        "4294967295", "4294967296", "140737488355328", "140737488355327", "9223372036854775807",
        "-9223372036854775808", "18446744073709551615", "18446744073709551616", "0xffffffffffffffff",
        "0x7ffffffff000", "0x800000000000", "0x1000", "0x", "99999999999999999999999999999999", "1e9",
    ];

    private static readonly byte[] s_interestingBytes = [0, 1, 0x7f, 0x80, 0xff, (byte)'\n', (byte)'(', (byte)')', (byte)',',
        (byte)'"', (byte)'=', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'|', (byte)'\\', (byte)' ', (byte)'.'];

    private ulong _state;

    /// <summary>A mutator whose choices follow from seed (xorshift64*).</summary>
    public Mutator(ulong seed)
    {
        _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
    }

    /// <summary>A number in [0, n).</summary>
    public int Next(int n)
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        ulong r = _state * 0x2545F4914F6CDD1DUL;
        return (int)((r >> 33) % (ulong)n);
    }

    /// <summary>
    /// One mutated copy of a text input (a log, a scenario): 1 to 8 mutations, line-level ones
    /// (using <paramref name="donor"/> for splices) or byte-level ones.
    /// </summary>
    public byte[] MutateText(byte[] input, byte[] donor)
    {
        byte[] data = input;
        int rounds = 1 + Next(8);
        for (int i = 0; i < rounds; i++)
        {
            data = Next(3) == 0 ? MutateBytes(data, donor, 1) : MutateLines(data, donor);
        }
        return data;
    }

    /// <summary>One mutated copy of a binary input (an ELF file): 1 to rounds byte-level mutations.</summary>
    public byte[] MutateBytes(byte[] input, byte[] donor, int rounds)
    {
        var data = new List<byte>(input);
        for (int r = 0; r < rounds; r++)
        {
            int n = data.Count;
            switch (Next(n == 0 ? 1 : 9))
            {
                case 0:   // insert random bytes
                {
                    int at = Next(n + 1);
                    int len = 1 + Next(16);
                    var bytes = new byte[len];
                    for (int k = 0; k < len; k++)
                    {
                        bytes[k] = (byte)Next(256);
                    }
                    data.InsertRange(at, bytes);
                    break;
                }
                case 1:   // flip a bit
                    data[Next(n)] ^= (byte)(1 << Next(8));
                    break;
                case 2:   // an interesting byte
                    data[Next(n)] = s_interestingBytes[Next(s_interestingBytes.Length)];
                    break;
                case 3:   // delete a range
                {
                    int at = Next(n);
                    data.RemoveRange(at, Math.Min(n - at, 1 + Next(64)));
                    break;
                }
                case 4:   // duplicate a range
                {
                    int at = Next(n);
                    int len = Math.Min(n - at, 1 + Next(64));
                    data.InsertRange(Next(n), data.GetRange(at, len));
                    break;
                }
                case 5:   // truncate
                {
                    int cut = Next(n);
                    data.RemoveRange(cut, n - cut);
                    break;
                }
                case 6:   // an interesting 32- or 64-bit little-endian value
                {
                    ulong[] values = [0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, ulong.MaxValue, 0x1000, 0xFFFFFFFFFFFFF000, 1UL << 47, 1UL << 63];
                    ulong v = values[Next(values.Length)];
                    int width = Next(2) == 0 ? 4 : 8;
                    if (n >= width)
                    {
                        int at = Next(n - width + 1);
                        for (int k = 0; k < width; k++)
                        {
                            data[at + k] = (byte)(v >> (8 * k));
                        }
                    }
                    break;
                }
                case 7:   // a range from the donor
                    if (donor.Length > 0)
                    {
                        int at = Next(donor.Length);
                        int len = Math.Min(donor.Length - at, 1 + Next(256));
                        data.InsertRange(Next(n + 1), donor.AsSpan(at, len).ToArray());
                    }
                    break;
                default:  // a random byte
                    data[Next(n)] = (byte)Next(256);
                    break;
            }
        }
        return [.. data];
    }

    private byte[] MutateLines(byte[] input, byte[] donor)
    {
        List<string> lines = Lines(input);
        if (lines.Count == 0)
        {
            return input;
        }
        int i = Next(lines.Count);
        switch (Next(7))
        {
            case 0:
                lines.RemoveAt(i);
                break;
            case 1:
                lines.Insert(Next(lines.Count + 1), lines[i]);
                break;
            case 2:
                (lines[i], lines[Next(lines.Count)]) = (lines[Next(lines.Count)], lines[i]);
                break;
            case 3:
            {
                List<string> other = Lines(donor);
                if (other.Count > 0)
                {
                    lines.Insert(i, other[Next(other.Count)]);
                }
                break;
            }
            case 4:   // a line cut short (strace's <unfinished ...> without its resumption, a torn write)
                lines[i] = lines[i][..Next(lines[i].Length + 1)];
                break;
            default:  // a number swapped for a boundary value
                lines[i] = ReplaceNumber(lines[i]);
                break;
        }
        return Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
    }

    private string ReplaceNumber(string line)
    {
        var starts = new List<(int Start, int Len)>();
        for (int k = 0; k < line.Length;)
        {
            if (char.IsAsciiDigit(line[k]))
            {
                int s = k;
                while (k < line.Length && (char.IsAsciiHexDigit(line[k]) || line[k] == 'x'))
                {
                    k++;
                }
                starts.Add((s, k - s));
            }
            else
            {
                k++;
            }
        }
        if (starts.Count == 0)
        {
            return line;
        }
        (int start, int len) = starts[Next(starts.Count)];
        string value = Next(4) == 0
            ? Next(int.MaxValue).ToString(CultureInfo.InvariantCulture)
            : s_interestingNumbers[Next(s_interestingNumbers.Length)];
        return string.Concat(line.AsSpan(0, start), value, line.AsSpan(start + len));
    }

    private static List<string> Lines(byte[] text)
    {
        string s = Encoding.UTF8.GetString(text);
        var lines = new List<string>(s.Split('\n'));
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return lines;
    }
}
