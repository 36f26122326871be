using System.Globalization;
using Mmsim.Replay;
using Mmsim.Strace;

namespace Mmsim.Cli;

/// <summary>
/// The comparison behind <c>mmsim difftest</c> (and the tests over its fixtures): the log of a
/// native run is replayed with --check and without assumed writes (the runner touches no memory
/// it maps: pages become resident only through calls), and must show no divergent result, no
/// mincore vector with a resident page the model has not (an inferred touch), and for every
/// process the maps it printed at exit.
/// </summary>
internal static class DifftestCheck
{
    /// <summary>Replays a runner's log as difftest does.</summary>
    public static Replayer Replay(string trace, string cwd, string? root, IReadOnlyDictionary<string, ulong>? inodes)
    {
        var options = new ReplayOptions
        {
            AssumeWrites = false,
            InitialCwd = cwd,
            RecordedInodes = inodes ?? new Dictionary<string, ulong>(),
            Paging = Mmsim.Phys.PhysMemConfig.Default,
        };
        var host = new HostFileSystem(root);
        return Replayer.RunWithEvidence(() => new Replayer(host, ReplayMode.Check, options: options),
            () => new StreamReader(trace), Path.GetFileName(trace));
    }

    /// <summary>
    /// Every way the replay of <paramref name="trace"/> disagrees with the kernel (empty: they
    /// agree). <paramref name="workDir"/> holds the files the runner created and
    /// <paramref name="runner"/> is the runner's path: their device and inode numbers are masked.
    /// </summary>
    public static List<string> Problems(string trace, string cwd, string? root, IReadOnlyDictionary<string, ulong>? inodes,
        IReadOnlyDictionary<int, string> realMaps, string workDir, string runner)
    {
        var problems = new List<string>();
        Replayer replayer;
        try
        {
            replayer = Replay(trace, cwd, root, inodes);
        }
        catch (Exception e) when (e is StraceFormatException or ReplayException)
        {
            problems.Add("replay failed: " + e.Message);
            return problems;
        }
        foreach (Divergence d in replayer.Divergences)
        {
            string what = d.Detail.Length > 0 ? d.Detail : $"kernel {Show(d.Recorded)}, model {Show(d.Model)}";
            problems.Add($"line {d.Line}: pid {d.Pid} {d.Call}: {what}");
        }
        List<(ulong Start, ulong End)> probed = StartupProbes(trace);
        foreach (ProcSnapshot snap in replayer.Snapshots.Values)
        {
            int unexplained = 0;
            ulong first = 0;
            foreach (ulong page in snap.InferredPages)
            {
                if (!probed.Exists(r => page >= r.Start && page < r.End))
                {
                    first = unexplained++ == 0 ? page : first;
                }
            }
            if (unexplained > 0)
            {
                problems.Add($"mincore showed {unexplained} resident page(s) from 0x{first:x} in pid {snap.Pid} the model had not faulted in (the runner touches nothing)");
            }
        }
        foreach (KeyValuePair<int, string> real in realMaps)
        {
            if (!replayer.Snapshots.TryGetValue(real.Key, out ProcSnapshot? snap))
            {
                problems.Add($"pid {real.Key}: the model has no process at exit");
                continue;
            }
            List<string> diff = Diff(Normalize(real.Value, workDir, runner), Normalize(snap.Maps, workDir, runner));
            if (diff.Count > 0)
            {
                problems.Add($"pid {real.Key}: maps at exit differ (- kernel, + model)\n    " + string.Join("\n    ", diff));
            }
        }
        if (realMaps.Count == 0)
        {
            problems.Add("the runner printed no maps (it did not reach its end)");
        }
        return problems;
    }

    /// <summary>
    /// The ranges of the runner's own mincore probes before it reads its program (its startup
    /// areas, written by ld.so and libc): the only places a replay may infer touches.
    /// </summary>
    private static List<(ulong Start, ulong End)> StartupProbes(string trace)
    {
        var ranges = new List<(ulong, ulong)>();
        foreach (string line in File.ReadLines(trace))
        {
            if (line.Contains(" read(0, ", StringComparison.Ordinal))
            {
                break;
            }
            int at = line.IndexOf(" mincore(0x", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }
            string[] f = line[(at + 11)..].Split(", ", 3);
            if (f.Length == 3 && ulong.TryParse(f[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start)
                && ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong len))
            {
                ranges.Add((start, start + len));
            }
        }
        return ranges;
    }

    /// <summary>Maps lines with the [stack] start masked (grown by the runner's own faults) and the device and inode of the runner's files.</summary>
    internal static List<string> Normalize(string maps, string workDir, string runner)
    {
        var lines = new List<string>();
        foreach (string line in maps.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 6)
            {
                string name = f[5].Trim();
                if (name == "[stack]")
                {
                    f[0] = "X-" + f[0].Split('-')[1];
                }
                if (name == runner || name.StartsWith(workDir + "/", StringComparison.Ordinal))
                {
                    f[3] = "D";
                    f[4] = "I";
                }
                else if (f[3] == "00:01")
                {
                    f[4] = "I"; // shared memory objects: the inode is the kernel's counter
                }
                f[5] = name;
            }
            lines.Add(string.Join(' ', f));
        }
        return lines;
    }

    /// <summary>The lines only in expected ("- ") and only in actual ("+ "), in order.</summary>
    internal static List<string> Diff(List<string> expected, List<string> actual)
    {
        var diff = new List<string>();
        var inActual = new HashSet<string>(actual, StringComparer.Ordinal);
        var inExpected = new HashSet<string>(expected, StringComparer.Ordinal);
        foreach (string l in expected)
        {
            if (!inActual.Contains(l))
            {
                diff.Add("- " + l);
            }
        }
        foreach (string l in actual)
        {
            if (!inExpected.Contains(l))
            {
                diff.Add("+ " + l);
            }
        }
        return diff;
    }

    private static string Show(long v) => v < 0 && v >= -4095
        ? "-" + (Errno.NameOf((int)-v) ?? (-v).ToString(CultureInfo.InvariantCulture))
        : $"0x{v:x}";
}
