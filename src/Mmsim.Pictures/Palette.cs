using System.Globalization;

namespace Mmsim.Pictures;

/// <summary>
/// The colours and fonts every picture shares, so a heap is the same orange and a present page
/// the same green wherever it appears; and the formatting of addresses and sizes.
/// </summary>
public static class Palette
{
    public const string Sans = "DejaVu Sans, Verdana, Arial, sans-serif";
    public const string Mono = "DejaVu Sans Mono, Menlo, Consolas, monospace";
    public const string Ink = "#1a1a1a";
    public const string Muted = "#666666";
    public const string Outline = "#444444";
    public const string Grid = "#dddddd";

    public const string Code = "#5b8fd6";
    public const string FileData = "#9cc3ee";
    public const string Bss = "#8fd18f";
    public const string Heap = "#f0a04b";
    public const string Anon = "#b48ede";
    public const string FileMap = "#76c7c0";
    public const string Stack = "#e5746b";
    public const string Special = "#b8b8b8";
    public const string NoAccess = "#eeeeee";

    public const string Present = "#4caf50";
    public const string Absent = "#f2f2f2";
    public const string Swapped = "#ffd54f";
    public const string Frame = "#cfe3f7";
    public const string Marker = "#c62828";

    public const string Vsz = "#3f6fb5";
    public const string Rss = "#e07b00";
    public const string MinFlt = "#2e7d32";
    public const string MajFlt = "#c62828";

    /// <summary>An address in lower-case hex with 0x, e.g. 0x7ffff7fc1000.</summary>
    public static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>A size in bytes the way a reader says it: 4 KiB, 1.5 MiB, 128 TiB, 512 B.</summary>
    public static string Size(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }
        string num = v >= 100 || v == Math.Floor(v)
            ? Math.Round(v).ToString("0", CultureInfo.InvariantCulture)
            : v.ToString(v >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture);
        return num + " " + units[u];
    }

    /// <summary>A count with thousands separators: 1,234,567.</summary>
    public static string Count(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);
}
