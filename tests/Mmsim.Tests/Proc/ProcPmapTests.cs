using System.Text;
using Mmsim.Proc;
using Mmsim.Process;
using Mmsim.Tests.Fault;
using static Mmsim.Tests.Mm.MmKit;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Proc;

/// <summary>
/// Check (a) of the pmap formatter: given a real process's recorded maps, smaps, cmdline and
/// stat (tests/fixtures-pmap/NAME/, recorded by record.sh with procps-ng 4.0.2), it prints what
/// the real `pmap`, `pmap -x`, `pmap -X` and `pmap -XX` printed on exactly those files, byte for
/// byte. The replay fixtures (tests/fixtures-pmap/replay/NAME/) add the processes of five real
/// programs held at exit_group, whose pmap outputs were taken on their recorded maps and smaps too.
/// </summary>
public sealed class ProcPmapTests
{
    private static readonly (string File, PmapFormat Format)[] s_formats =
        [("pmap", PmapFormat.Default), ("pmap-x", PmapFormat.Extended), ("pmap-X", PmapFormat.More), ("pmap-XX", PmapFormat.All)];

    /// <summary>tests/fixtures-pmap.</summary>
    internal static string Root()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "tests", "fixtures-pmap")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return Path.Combine(dir ?? throw new DirectoryNotFoundException("tests/fixtures-pmap"), "tests", "fixtures-pmap");
    }

    /// <summary>Every recorded process: a directory holding maps, smaps, cmdline, stat and pmap outputs.</summary>
    private static List<string> ProcessDirs()
    {
        var dirs = new List<string>();
        foreach (string d in Directory.GetDirectories(Root(), "*", SearchOption.AllDirectories))
        {
            if (File.Exists(Path.Combine(d, "cmdline")) && File.Exists(Path.Combine(d, "pmap")))
            {
                dirs.Add(Path.GetRelativePath(Root(), d));
            }
        }
        dirs.Sort(StringComparer.Ordinal);
        return dirs;
    }

    public static TheoryData<string> Processes()
    {
        var data = new TheoryData<string>();
        foreach (string d in ProcessDirs())
        {
            data.Add(d);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Processes))]
    public void EveryFormatIsByteIdenticalToTheRealPmap(string name)
    {
        string dir = Path.Combine(Root(), name);
        byte[] cmdline = File.ReadAllBytes(Path.Combine(dir, "cmdline"));
        string stat = File.ReadAllText(Path.Combine(dir, "stat"));
        PmapProcess fromMaps = PmapSource.FromRecorded(File.ReadAllText(Path.Combine(dir, "maps")), cmdline, stat);
        PmapProcess fromSmaps = PmapSource.FromRecorded(File.ReadAllText(Path.Combine(dir, "smaps")), cmdline, stat);
        int compared = 0;
        foreach ((string file, PmapFormat format) in s_formats)
        {
            string path = Path.Combine(dir, file);
            if (!File.Exists(path))
            {
                continue;
            }
            string expected = File.ReadAllText(path);
            string actual = ProcPmap.Format(format == PmapFormat.Default ? fromMaps : fromSmaps, format);
            Assert.True(expected == actual, $"{name}/{file}: first difference at line {FirstDiff(expected, actual)}");
            compared++;
        }
        Assert.True(compared >= 3, $"{name}: {compared} formats recorded");
    }

    [Fact]
    public void TheFixturesCoverAtLeastFiveProcessesInEveryFormat()
    {
        int live = 0;
        foreach (string d in ProcessDirs())
        {
            if (!d.StartsWith("replay", StringComparison.Ordinal) && File.Exists(Path.Combine(Root(), d, "pmap-XX")))
            {
                live++;
            }
        }
        Assert.True(live >= 5, $"{live} processes with all four formats");
    }

    /// <summary>
    /// The names of the default and -x formats, on a hand-written maps file:
    /// <code>
    ///   400000   /usr/bin/prog         -> prog
    ///   600000   [heap]                -> "  [ anon ]"
    ///   7f0000   /SYSV00000000 (deleted) on 00:01, inode 0x2a -> "  [ shmid=0x2a ]"
    ///   7f1000   /tmp/x (deleted)      -> "x (deleted)"
    ///   7f2000   [vdso]                -> "  [ anon ]"
    ///   7ffd0000 [stack] (start_stack 0x7ffd0ff8 inside) -> "  [ stack ]"
    ///   ffffffffff600000 [vsyscall]    -> "  [ anon ]"
    /// </code>
    /// -X prints the kernel's names (basenames for paths); anonymous mappings get an empty name.
    /// </summary>
    [Fact]
    public void MappingNames()
    {
        const string maps = """
            00400000-00401000 r-xp 00000000 fe:00 12                                 /usr/bin/prog
            00600000-00621000 rw-p 00000000 00:00 0                                  [heap]
            7f0000-7f1000 rw-s 00000000 00:01 42                                     /SYSV00000000 (deleted)
            7f1000-7f2000 rw-s 00000000 fe:00 13                                     /tmp/x (deleted)
            7f2000-7f4000 r-xp 00000000 00:00 0                                      [vdso]
            7f4000-7f5000 rw-p 00000000 00:00 0 
            7ffd0000-7ffd1000 rw-p 00000000 00:00 0                                  [stack]
            ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]

            """;
        var p = new PmapProcess(42, "prog -a", 0x7ffd0ff8, PmapSource.ParseMappings(maps));
        Assert.Equal("""
            42:   prog -a
            0000000000400000      4K r-x-- prog
            0000000000600000    132K rw---   [ anon ]
            00000000007f0000      4K rw-s-   [ shmid=0x2a ]
            00000000007f1000      4K rw-s- x (deleted)
            00000000007f2000      8K r-x--   [ anon ]
            00000000007f4000      4K rw---   [ anon ]
            000000007ffd0000      4K rw---   [ stack ]
            ffffffffff600000      4K --x--   [ anon ]
             total              164K

            """, ProcPmap.Format(p, PmapFormat.Default));
        // Without the shm mount's minor (another machine), a SysV segment is only a path.
        Assert.Equal("SYSV00000000 (deleted)", ProcPmap.MappingName(p, p.Mappings[2], shmMinor: 9));
    }

    /// <summary>
    /// -x and -X widths: -x columns are fixed (16, 7, 7, 7, 5) and only overflow; -X columns grow
    /// to the widest value or total. Two mappings, Rss 3 and 9999997 kB: Rss's total 10000000
    /// takes 8 columns, wider than its heading.
    /// </summary>
    [Fact]
    public void ColumnsGrowWithTheLongestValue()
    {
        const string smaps = """
            10000-11000 r--p 00000000 fe:00 7          /a/b
            Size:                  4 kB
            Rss:                   3 kB
            Private_Dirty:         2 kB
            THPeligible:    0
            VmFlags: rd mr 
            7f0000000000-7f026259a000 rw-p 00000000 00:00 0 
            Size:           9999976 kB
            Rss:            9999997 kB
            Private_Dirty:        0 kB
            THPeligible:    1
            VmFlags: rd wr mr mw me ac 

            """;
        var p = new PmapProcess(1, "x", 0, PmapSource.ParseMappings(smaps));
        Assert.Equal("""
            1:   x
            Address           Kbytes     RSS   Dirty Mode  Mapping
            0000000000010000       4       3       2 r---- b
            00007f0000000000 9999976 9999997       0 rw---   [ anon ]
            ---------------- ------- ------- ------- 
            total kB         9999980 10000000       2

            """, ProcPmap.Format(p, PmapFormat.Extended));
        Assert.Equal("""
            1:   x
                 Address Perm   Offset Device Inode    Size      Rss THPeligible Mapping
                   10000 r--p 00000000  fe:00     7       4        3           0 b
            7f0000000000 rw-p 00000000  00:00     0 9999976  9999997           1 
                                                    ======= ======== =========== 
                                                    9999980 10000000           1 KB 

            """, ProcPmap.Format(p, PmapFormat.More));
        Assert.Equal("""
            1:   x
                 Address Perm   Offset Device Inode    Size      Rss Private_Dirty THPeligible           VmFlags Mapping
                   10000 r--p 00000000  fe:00     7       4        3             2           0             rd mr b
            7f0000000000 rw-p 00000000  00:00     0 9999976  9999997             0           1 rd wr mr mw me ac 
                                                    ======= ======== ============= =========== 
                                                    9999980 10000000             2           1 KB 

            """, ProcPmap.Format(p, PmapFormat.All));
    }

    /// <summary>
    /// The live model: pid 1 with one anonymous area of 4 pages, the first two written.
    /// <code>
    ///   col 0   1   2   3
    ///   | W | W | . | . |   rw- anon: Kbytes 16, RSS 8, Dirty 8
    /// </code>
    /// then the [vsyscall] gate, as smaps lists it.
    /// </summary>
    [Fact]
    public void FromTheLiveModel()
    {
        (Kernel k, Task t) = PagingKit.NewMachine();
        t.Mm().MapAt(0, 4);
        k.Touch(t, 0);
        k.Touch(t, 1);
        PmapProcess p = PmapSource.FromModel(k, 1, "prog -v")!;
        Assert.Equal("""
            1:   prog -v
            Address           Kbytes     RSS   Dirty Mode  Mapping
            0000000010000000      16       8       8 rw---   [ anon ]
            ffffffffff600000       4       0       0 --x--   [ anon ]
            ---------------- ------- ------- ------- 
            total kB              20       8       8

            """, ProcPmap.Format(p, PmapFormat.Extended));
        Assert.Contains("\n        10000000 rw-p 00000000  00:00     0   16   8   8         8          8         8   0", ProcPmap.Format(p, PmapFormat.More), StringComparison.Ordinal);
        Assert.Null(PmapSource.FromModel(k, 99, null));
    }

    [Fact]
    public void CmdlineAsProcpsShowsIt()
    {
        Assert.Equal("sleep 1", PmapSource.CmdlineText("sleep\01\0"u8, "sleep"));
        Assert.Equal(" 300", PmapSource.CmdlineText("\0300\0"u8, "sleep"));
        Assert.Equal("a c?d e f", PmapSource.CmdlineText("a\0c\td\0e\nf\0"u8, "a"));
        Assert.Equal("[kthreadd]", PmapSource.CmdlineText([], "kthreadd"));
        Assert.Equal("ls\0-l\0"u8.ToArray(), PmapSource.CmdlineBytes([Encoding.UTF8.GetBytes("ls"), Encoding.UTF8.GetBytes("-l")]));
    }

    private static int FirstDiff(string a, string b)
    {
        string[] x = a.Split('\n');
        string[] y = b.Split('\n');
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            if (x[i] != y[i])
            {
                return i + 1;
            }
        }
        return Math.Min(x.Length, y.Length) + 1;
    }
}
