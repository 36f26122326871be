namespace Mmsim.Strace.Tests;

/// <summary>
/// The allocation-free paths give what the plain ones give: events read with
/// <see cref="StraceReader.BorrowText"/>, argument lists split lazily into a reused
/// <see cref="ArgBounds"/>, and struct fields read in one pass.
/// </summary>
public sealed class BorrowTests
{
    [Fact]
    public void BorrowedEventsEqualCopiedOnesOnEveryFixture()
    {
        foreach (string log in TestUtil.FixtureLogs())
        {
            string text = File.ReadAllText(log);
            List<StraceEvent> copied = TestUtil.ReadAll(text);
            // Chunks of 7 characters make the line buffer move and grow under the borrowed text.
            var reader = new StraceReader(new ChunkedReader(text, 7), "t.log") { BorrowText = true };
            int i = 0;
            while (reader.TryRead(out StraceEvent ev))
            {
                Assert.Equal(copied[i].Line, ev.Line);
                Assert.Equal(copied[i].Name, ev.Name);
                Assert.Equal(copied[i].Args.ToString(), ev.Args.ToString());
                Assert.Equal(copied[i].ResultText.ToString(), ev.ResultText.ToString());
                Assert.Equal(copied[i].Result, ev.Result);
                i++;
            }
            Assert.Equal(copied.Count, i);
        }
    }

    [Fact]
    public void BorrowedTextIsTheLineBufferUntilTheNextRead()
    {
        var reader = new StraceReader(new StringReader("1 close(3) = 0\n1 close(4) = 0\n"), "t.log") { BorrowText = true };
        Assert.True(reader.TryRead(out StraceEvent first));
        Assert.Equal("3", first.Args.ToString());
        Assert.True(reader.TryRead(out StraceEvent second));
        Assert.Equal("4", second.Args.ToString());
        // Both lines sit in one buffer: the first event's text is still intact (nothing was refilled).
        Assert.Equal("3", first.Args.ToString());
    }

    [Fact]
    public void LazySplitFindsTheFirstArgumentsWithoutTheRest()
    {
        //  fd   path  struct (never split here)                          flags
        //  |    |     |                                                    |
        //  3, "", {st_dev=makedev(0xfe, 0), st_ino=793, st_size=36231}, AT_EMPTY_PATH
        var bounds = new ArgBounds();
        var a = new ArgList("3, \"\", {st_dev=makedev(0xfe, 0), st_ino=793, st_size=36231}, AT_EMPTY_PATH".AsMemory(), bounds);
        Assert.Equal("\"\"", a.Raw(1).ToString());
        Assert.Equal(2, bounds.Count);
        Assert.Equal("3", a.Raw(0).ToString());
        Assert.Equal(2, bounds.Count);
        Assert.Equal(4, a.Count);
        Assert.Equal("AT_EMPTY_PATH", a.Raw(3).ToString());
        Assert.True(a.Raw(4).IsEmpty);
    }

    [Fact]
    public void ReusedBoundsForgetTheEarlierList()
    {
        var bounds = new ArgBounds();
        var first = new ArgList("1, 2, 3, 4, 5, 6, 7, 8, 9, 10".AsMemory(), bounds);
        Assert.Equal(10, first.Count);
        var second = new ArgList("child_stack=NULL, flags=CLONE_VM|SIGCHLD".AsMemory(), bounds);
        Assert.Equal(2, second.Count);
        Assert.True(second.TryFindNamed("flags", out int idx));
        Assert.Equal(1, idx);
        Assert.Equal("CLONE_VM|SIGCHLD", second.Raw(1).ToString());
        Assert.Equal(0, new ArgList("  ".AsMemory(), bounds).Count);
        Assert.Equal(1, new ArgList("-1, ".AsMemory(), bounds).Count);
    }

    [Theory]
    [InlineData("a, b")]
    [InlineData("3, \"a, b\", [1, 2], {x=1, y={z=2}}, makedev(0xfe, 0), 0x1 /* a, b */, 4")]
    [InlineData("1, , 2")]
    [InlineData(", ")]
    [InlineData("{a=1} => {a=2}, 5")]
    public void LazyAndWholeSplitsAgree(string text)
    {
        var whole = new ArgList(text);
        var lazy = new ArgList(text.AsMemory(), new ArgBounds());
        for (int i = whole.Count - 1; i >= 0; i--)
        {
            Assert.Equal(whole.Raw(i).ToString(), lazy.Raw(i).ToString());
            Assert.Equal(whole.NameAt(i).ToString(), lazy.NameAt(i).ToString());
        }
        Assert.Equal(whole.Count, lazy.Count);
    }

    [Fact]
    public void StructFieldsInOnePass()
    {
        const string St = " {st_dev=makedev(0xfe, 0), st_ino=793, st_mode=S_IFREG|0644, st_atime=1795305275 /* 2026-11-21 */, st_size=36231} => {st_ino=1}";
        string[] fields = ["st_dev", "st_ino", "st_mode", "st_size", "st_rdev"];
        Span<Range> at = stackalloc Range[fields.Length];
        int found = ArgList.GetStructFields(St, fields, at);
        Assert.Equal(0b01111, found);
        Assert.Equal("makedev(0xfe, 0)", St[at[0]]);
        Assert.Equal("793", St[at[1]]);
        Assert.Equal("S_IFREG|0644", St[at[2]]);
        Assert.Equal("36231", St[at[3]]);
        for (int k = 0; k < 4; k++)
        {
            Assert.True(ArgList.TryGetStructField(ArgList.EntryPart(St), fields[k], out ReadOnlySpan<char> one));
            Assert.Equal(one.ToString(), St[at[k]]);
        }
        Assert.Equal(0, ArgList.GetStructFields("NULL", fields, at));
    }

    /// <summary>A reader that returns at most a fixed number of characters per call.</summary>
    private sealed class ChunkedReader(string text, int chunk) : TextReader
    {
        private int _pos;

        public override int Read(char[] buffer, int index, int count)
        {
            int n = Math.Min(Math.Min(count, chunk), text.Length - _pos);
            text.CopyTo(_pos, buffer, index, n);
            _pos += n;
            return n;
        }
    }
}
