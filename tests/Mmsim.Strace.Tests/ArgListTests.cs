using System.Text;

namespace Mmsim.Strace.Tests;

/// <summary>Splitting and decoding of arguments.</summary>
public sealed class ArgListTests
{
    [Fact]
    public void SplitsRespectingNesting()
    {
        ArgList a = TestUtil.Args("3, \"a, b\", [1, 2], {x=1, y={z=2}}, makedev(0xfe, 0), 0x1 /* a, b */, 4");
        Assert.Equal(7, a.Count);
        Assert.Equal("\"a, b\"", a.Raw(1).ToString());
        Assert.Equal("[1, 2]", a.Raw(2).ToString());
        Assert.Equal("{x=1, y={z=2}}", a.Raw(3).ToString());
        Assert.Equal("makedev(0xfe, 0)", a.Raw(4).ToString());
        Assert.Equal("0x1 /* a, b */", a.Raw(5).ToString());
        Assert.Equal("4", a.Raw(6).ToString());
        Assert.True(a.Raw(7).IsEmpty);
        Assert.True(a.Raw(-1).IsEmpty);
        Assert.False(a.TryGetInt64(99, out _));
    }

    [Fact]
    public void TruncatedStringsAndDecorationsDoNotSplit()
    {
        ArgList a = TestUtil.Args("3</tmp/a,b>, \"abc\"..., 5<UNIX-STREAM:[1->2,\"@x\"]>");
        Assert.Equal(3, a.Count);
        Assert.True(a.TryGetFdPath(0, out string p));
        Assert.Equal("/tmp/a,b", p);
        Assert.True(a.TryGetString(1, out byte[] s, out bool truncated));
        Assert.True(truncated);
        Assert.Equal("abc", Encoding.ASCII.GetString(s));
        Assert.True(a.TryGetFdPath(2, out string sock));
        Assert.Equal("UNIX-STREAM:[1->2,\"@x\"]", sock);
    }

    [Fact]
    public void EmptyAndTrailingComma()
    {
        Assert.Equal(0, TestUtil.Args("").Count);
        Assert.Equal(0, TestUtil.Args("  ").Count);
        Assert.Equal(1, TestUtil.Args("-1, ").Count);
        Assert.Equal(3, TestUtil.Args("1, , 2").Count);
    }

    [Fact]
    public void NamedArguments()
    {
        ArgList a = TestUtil.Args("child_stack=NULL, flags=CLONE_VM|CLONE_FS|SIGCHLD, child_tidptr=0x7ffff7dd2a10");
        Assert.True(a.TryFindNamed("flags", out int i));
        Assert.Equal(1, i);
        Assert.Equal("CLONE_VM|CLONE_FS|SIGCHLD", a.Raw(i).ToString());
        Assert.Equal("flags", a.NameAt(i).ToString());
        Assert.True(a.TryGetFlags(i, FlagTables.Clone, out ulong flags));
        Assert.Equal(0x100UL | 0x200 | 17, flags);
        Assert.True(a.TryGetInt64(0, out long stack));
        Assert.Equal(0, stack);
        Assert.False(a.TryFindNamed("tls", out _));
        Assert.Equal(string.Empty, TestUtil.Args("a==b").NameAt(0).ToString());
    }

    [Theory]
    [InlineData("42", 42L)]
    [InlineData("-1", -1L)]
    [InlineData("0x7ffff7fc0000", 0x7ffff7fc0000L)]
    [InlineData("0xffffffffff600000", -10485760L)]
    [InlineData("0644", 420L)]
    [InlineData("0", 0L)]
    [InlineData("NULL", 0L)]
    [InlineData("3</tmp/x>", 3L)]
    [InlineData("AT_FDCWD", -100L)]
    [InlineData("8192*1024", 8388608L)]
    [InlineData("1<<20", 1048576L)]
    [InlineData("0x3 /* PROT_READ|PROT_WRITE */", 3L)]
    [InlineData("-100 /* AT_FDCWD */", -100L)]
    [InlineData("RLIM64_INFINITY", -1L)]
    [InlineData("  17  ", 17L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Integers(string text, long expected)
    {
        Assert.True(TestUtil.Args(text).TryGetInt64(0, out long v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("PROT_READ")]
    [InlineData("\"3\"")]
    [InlineData("0x")]
    [InlineData("0x1ffffffffffffffff")]
    [InlineData("18446744073709551616")]
    [InlineData("089")]
    [InlineData("[1]")]
    [InlineData("{a=1}")]
    [InlineData("3*")]
    [InlineData("/* only a comment */")]
    [InlineData("")]
    public void NotIntegers(string text)
    {
        Assert.False(TestUtil.Args(text).TryGetInt64(0, out _));
    }

    [Fact]
    public void RlimitStruct()
    {
        ArgList a = TestUtil.Args("0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}");
        Assert.True(a.TryGetStructField(3, "rlim_cur", out ReadOnlySpan<char> cur));
        Assert.True(ArgList.TryParseInt64(cur, out long c));
        Assert.Equal(8L << 20, c);
        Assert.True(a.TryGetStructField(3, "rlim_max", out ReadOnlySpan<char> max));
        Assert.True(ArgList.TryParseInt64(max, out long m));
        Assert.Equal(-1, m);
    }

    [Fact]
    public void StatStructFields()
    {
        ArgList a = TestUtil.Args("3, \"\", {st_dev=makedev(0xfe, 0), st_ino=793, st_mode=S_IFREG|0644, st_nlink=1, st_atime=1795305275 /* 2026-11-21T23:54:35.905305059+0000 */, st_size=36231}, AT_EMPTY_PATH");
        Assert.True(a.TryGetStructField(2, "st_ino", out ReadOnlySpan<char> ino));
        Assert.Equal("793", ino.ToString());
        Assert.True(a.TryGetStructField(2, "st_dev", out ReadOnlySpan<char> dev));
        Assert.True(ArgList.TryParseMakedev(dev, out uint major, out uint minor));
        Assert.Equal((0xfeu, 0u), (major, minor));
        Assert.True(a.TryGetStructField(2, "st_mode", out ReadOnlySpan<char> mode));
        Assert.True(FlagTable.TryParse(mode, FlagTables.FileMode, out ulong m));
        Assert.Equal(0x8000UL | 420, m);
        Assert.True(a.TryGetStructField(2, "st_atime", out ReadOnlySpan<char> atime));
        Assert.True(ArgList.TryParseInt64(atime, out long t));
        Assert.Equal(1795305275, t);
        Assert.False(a.TryGetStructField(2, "st_in", out _));
        Assert.False(a.TryGetStructField(2, "st_blocks", out _));
        Assert.False(a.TryGetStructField(0, "st_ino", out _));
        Assert.False(a.TryGetFlags(3, FlagTables.Open, out _));
        Assert.True(a.TryGetFlags(3, FlagTables.At, out ulong at));
        Assert.Equal(0x1000UL, at);
    }

    [Theory]
    [InlineData("makedev(0xfe, 0)", 0xfeu, 0u)]
    [InlineData("makedev(8, 1)", 8u, 1u)]
    [InlineData(" makedev(0x103, 0x20000) ", 0x103u, 0x20000u)]
    public void Makedev(string text, uint major, uint minor)
    {
        Assert.True(ArgList.TryParseMakedev(text, out uint ma, out uint mi));
        Assert.Equal((major, minor), (ma, mi));
    }

    [Theory]
    [InlineData("makedev(0xfe)")]
    [InlineData("makedev(1, 2")]
    [InlineData("mkdev(1, 2)")]
    [InlineData("makedev(0x1ffffffff, 0)")]
    public void NotMakedev(string text)
    {
        Assert.False(ArgList.TryParseMakedev(text, out _, out _));
    }

    [Fact]
    public void IntArrays()
    {
        var into = new List<long>();
        Assert.True(TestUtil.Args("0x7f, 12288, [1, 0, 1]").TryGetIntArray(2, into));
        Assert.Equal([1L, 0, 1], into);
        into.Clear();
        Assert.True(TestUtil.Args("[3, 4], 0").TryGetIntArray(0, into));
        Assert.Equal([3L, 4], into);
        into.Clear();
        Assert.True(TestUtil.Args("[]").TryGetIntArray(0, into));
        Assert.Empty(into);
        Assert.False(TestUtil.Args("[{fd=3, revents=POLLIN}]").TryGetIntArray(0, into));
        Assert.False(TestUtil.Args("[CHLD]").TryGetIntArray(0, into));
        Assert.False(TestUtil.Args("[1, 2").TryGetIntArray(0, into));
        Assert.False(TestUtil.Args("[1] [2]").TryGetIntArray(0, into));
        Assert.False(TestUtil.Args("[1, 1, ...]").TryGetIntArray(0, into));
        Assert.Empty(into);
        Assert.True(TestUtil.Args("[1, 1, ...]").TryGetIntArray(0, into, out bool truncated));
        Assert.True(truncated);
        Assert.Equal([1L, 1], into);
        Assert.False(TestUtil.Args("[1, ..., 2]").TryGetIntArray(0, into, out _));
        Assert.Equal([1L, 1], into);
    }

    [Theory]
    [InlineData("\"plain\"", "plain", false)]
    [InlineData("\"a\\nb\\tc\\\"d\\\\e\"", "a\nb\tc\"d\\e", false)]
    [InlineData("\"\\0\\1\\177\\377\"", "\0\u0001\u007f\u00ff", false)]
    [InlineData("\"\\x41\\x4a\\x7\"", "AJ\u0007", false)]
    [InlineData("\"\\1234\"", "S4", false)]
    [InlineData("\"\\v\\f\\r\"", "\v\f\r", false)]
    [InlineData("\"abc\"...", "abc", true)]
    [InlineData("\"\"", "", false)]
    public void Strings(string text, string expected, bool truncated)
    {
        Assert.True(TestUtil.Args(text).TryGetString(0, out byte[] bytes, out bool t));
        Assert.Equal(expected, Encoding.Latin1.GetString(bytes));
        Assert.Equal(truncated, t);
    }

    [Fact]
    public void NonAsciiStringIsUtf8()
    {
        Assert.True(ArgList.TryDecodeString("\"é\"", out byte[] bytes, out _));
        Assert.Equal([0xC3, 0xA9], bytes);
    }

    [Theory]
    [InlineData("NULL")]
    [InlineData("0x7ffd0000")]
    [InlineData("\"unterminated")]
    [InlineData("\"bad \\q escape\"")]
    [InlineData("\"trailing\\")]
    [InlineData("\"x\" junk")]
    [InlineData("\"\\x\"")]
    public void NotStrings(string text)
    {
        Assert.False(ArgList.TryDecodeString(text, out _, out _));
    }

    [Theory]
    [InlineData("3</usr/lib/libc.so.6>", "/usr/lib/libc.so.6")]
    [InlineData("3<socket:[1234]>", "socket:[1234]")]
    [InlineData("4<TCP:[127.0.0.1:80->127.0.0.1:5000]>", "TCP:[127.0.0.1:80->127.0.0.1:5000]")]
    [InlineData("5</memfd:s07 (deleted)>", "/memfd:s07 (deleted)")]
    [InlineData("6</dev/null<char 1:3>>", "/dev/null<char 1:3>")]
    [InlineData("7</a\\x3eb>", "/a>b")]
    public void FdPaths(string text, string expected)
    {
        Assert.True(TestUtil.Args(text + ", 0").TryGetFdPath(0, out string path));
        Assert.Equal(expected, path);
        Assert.True(TestUtil.Args(text).TryGetInt64(0, out long fd));
        Assert.True(fd >= 3);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("\"/x\"")]
    [InlineData("3</x")]
    [InlineData("x</y>")]
    [InlineData("1<<2")]
    public void NotFdPaths(string text)
    {
        Assert.False(ArgList.TryParseFdPath(text, out _));
    }

    [Fact]
    public void NestedStructField()
    {
        Assert.True(ArgList.TryGetStructField("{a={b=1, c=2}, d=[1, 2], e=\"x, y=z\"}", "d", out ReadOnlySpan<char> d));
        Assert.Equal("[1, 2]", d.ToString());
        Assert.True(ArgList.TryGetStructField("{a={b=1, c=2}, d=[1, 2], e=\"x, y=z\"}", "e", out ReadOnlySpan<char> e));
        Assert.Equal("\"x, y=z\"", e.ToString());
        Assert.False(ArgList.TryGetStructField("{a={b=1, c=2}}", "b", out _));
        Assert.False(ArgList.TryGetStructField("{a=1, ...}", "...", out _));
        Assert.True(ArgList.TryGetStructField("{a=1", "a", out ReadOnlySpan<char> lenient));
        Assert.Equal("1", lenient.ToString());
    }
}
