using System.Globalization;
using Mmsim.Replay;

namespace Mmsim.Cli.Tests;

/// <summary>
/// Check (b) of pmap: five real programs recorded with tests/fixtures-pmap/capture_pmap.py (the
/// oracle's capture.py plus the real procps-ng 4.0.2 pmap run on each process while it is held at
/// exit_group) are replayed as `mmsim replay --proc-dir` does (24 GiB, demand paging), and the
/// model's pmap outputs are compared with the real ones.
/// <list type="bullet">
/// <item>`pmap PID`: byte-identical, [stack] line included (no fixture's stack grew past the
/// 132 KiB exec gives it, so its start needs no mask here).</item>
/// <item>`pmap -x PID`: the header, the dashed line and, per mapping, Address, Kbytes, Mode and
/// Mapping, and the Kbytes total, identical. Masked: RSS and Dirty (and their totals) - pages the
/// program's own loads and stores made resident or dirty, which no log shows.</item>
/// <item>`pmap -X PID`: the column headings and, per mapping, Address, Perm, Offset, Device,
/// Inode, Size, KSM, ShmemPmdMapped, FilePmdMapped, Shared_Hugetlb, Private_Hugetlb, Swap,
/// SwapPss, Locked, THPeligible and Mapping, and those columns' totals, identical. Masked, for
/// the same reason: Rss, Pss, Pss_Dirty, Referenced, Anonymous and LazyFree (and their totals).
/// Columns are compared as values: a masked column's width follows its total, which moves the
/// columns after it.</item>
/// </list>
/// </summary>
public sealed class FixturePmapTests
{
    /// <summary>The -X columns whose values depend on pages touched by instructions.</summary>
    private static readonly string[] s_maskedMore = ["Rss", "Pss", "Pss_Dirty", "Referenced", "Anonymous", "LazyFree"];

    private static string ReplayRoot() => Path.Combine(Path.GetDirectoryName(FixtureReplayTests.FixturesDir())!, "fixtures-pmap", "replay");

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (string fx in Directory.GetDirectories(ReplayRoot()).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(fx));
        }
        return data;
    }

    [Fact]
    public void FiveProgramsAreRecorded()
    {
        Assert.True(Directory.GetDirectories(ReplayRoot()).Length >= 5);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ReplayedPmapMatchesTheRealOne(string name)
    {
        string fx = Path.Combine(ReplayRoot(), name);
        string trace = Path.Combine(fx, "trace.log");
        RecordingMetadata meta = RecordingMetadata.Load(trace);
        var options = new ReplayOptions
        {
            InitialCwd = meta.Cwd ?? "/",
            RecordedInodes = meta.Inodes,
            Paging = Mmsim.Phys.PhysMemConfig.Default,
            ProcFiles = true,
        };
        Replayer replayer = Replayer.RunWithEvidence(() => new Replayer(new HostFileSystem(null), ReplayMode.Check, options: options),
            () => new StreamReader(trace), "trace.log");
        Assert.Empty(replayer.Divergences);
        int processes = 0;
        foreach (string dir in Directory.GetDirectories(fx))
        {
            string pid = Path.GetFileName(dir);
            Assert.True(replayer.Snapshots.TryGetValue(int.Parse(pid, CultureInfo.InvariantCulture), out ProcSnapshot? snap), $"{name}/{pid}: no snapshot");
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "pmap")), snap.Pmap);
            CompareColumns($"{name}/{pid}/pmap-x", File.ReadAllText(Path.Combine(dir, "pmap-x")), snap.PmapExtended!, ["RSS", "Dirty"]);
            CompareColumns($"{name}/{pid}/pmap-X", File.ReadAllText(Path.Combine(dir, "pmap-X")), snap.PmapMore!, s_maskedMore);
            processes++;
        }
        Assert.True(processes > 0);
    }

    /// <summary>
    /// Compares two pmap -x or -X outputs column by column: line 1 (PID and cmdline) and the
    /// headings exactly, then each mapping's values under every heading not in masked, then the
    /// totals of the columns that have one (-x: under Kbytes, RSS, Dirty; -X: every field column).
    /// </summary>
    private static void CompareColumns(string what, string expected, string actual, string[] masked)
    {
        string[] e = expected.TrimEnd('\n').Split('\n');
        string[] a = actual.TrimEnd('\n').Split('\n');
        Assert.True(e.Length == a.Length, $"{what}: {e.Length} lines recorded, {a.Length} from the model");
        Assert.Equal(e[0], a[0]);
        string[] headings = Tokens(e[1], int.MaxValue);
        Assert.Equal(headings, Tokens(a[1], int.MaxValue));
        bool extended = headings[1] == "Kbytes";
        int rows = e.Length - 4;
        for (int i = 2; i < 2 + rows; i++)
        {
            string[] er = Tokens(e[i], headings.Length);
            string[] ar = Tokens(a[i], headings.Length);
            for (int c = 0; c < headings.Length; c++)
            {
                if (Array.IndexOf(masked, headings[c]) < 0)
                {
                    Assert.True(er[c] == ar[c], $"{what} line {i + 1}, {headings[c]}: recorded '{er[c]}', model '{ar[c]}'");
                }
            }
        }
        // -x: "---- ..." then "total kB K R D"; -X: "==== ..." then the totals and "KB".
        string[] et = Tokens(e[^1], int.MaxValue);
        string[] at = Tokens(a[^1], int.MaxValue);
        Assert.Equal(et.Length, at.Length);
        for (int t = 0; t < et.Length; t++)
        {
            // -x: "total", "kB" under Address, then Kbytes, RSS, Dirty; -X: from the sixth column.
            int c = extended ? t - 1 : t + 5;
            string col = c >= 0 && c < headings.Length ? headings[c] : "";
            if (Array.IndexOf(masked, col) < 0)
            {
                Assert.True(et[t] == at[t], $"{what} totals, {col}: recorded '{et[t]}', model '{at[t]}'");
            }
        }
    }

    /// <summary>The space-separated values of a line; past column count-1 the rest is one value
    /// (a mapping name may hold spaces; an unnamed mapping has an empty one).</summary>
    private static string[] Tokens(string line, int count)
    {
        string[] all = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (count == int.MaxValue)
        {
            return all;
        }
        var t = new string[count];
        for (int i = 0; i < count - 1; i++)
        {
            t[i] = i < all.Length ? all[i] : "";
        }
        t[count - 1] = all.Length >= count ? string.Join(' ', all[(count - 1)..]) : "";
        return t;
    }
}
