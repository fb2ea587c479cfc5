"""The import as its tests drive it: article files and manifests written to a folder, the
import_articles command run, and every row the import writes, for before/after comparisons."""

import io
import textwrap

from django.core.management import CommandError, call_command

from articles.models import Article, RelatedLink, Source

VIDEO_FILE = """\
Sahel
The ministers met in Niamey on Monday to agree a joint force of five thousand troops.
They said the force would be ready within a year.
Go to video
{target}
01:31
Another clip about the region
"""

STORY_FILE = """\
Ministers in Niamey
{lead}
A second paragraph of the story.
A 10-month-old baby girl, Bih Irene, has been reported missing following a violent assault on…
Un communiqué publié cette semaine a annoncé la création de CSTAR, une société de projet…
"""


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def manifest(folder, articles, sources=(("wire", "Test Wire"),)):
    lines = []
    for key, name in sources:
        lines += ["[[source]]", f'key = "{key}"', f'name = "{name}"', ""]
    for entry in articles:
        lines.append("[[article]]")
        lines += [f'{k} = "{v}"' for k, v in entry.items()]
        lines.append("")
    (folder / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")


def run(*paths, **options):
    """Run the command; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    args = [str(p) for p in paths]
    for key, value in options.items():
        if value is True:
            args.append(f"--{key.replace('_', '-')}")
        else:
            args += [f"--{key}", value]
    try:
        call_command("import_articles", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


def table_state():
    """Every row the import writes, for before/after comparisons."""
    return (
        sorted(Article.objects.values_list("pk", "headline", "slug", "body", "status",
                                           "import_digest")),
        sorted(RelatedLink.objects.values_list("article_id", "position", "kind", "title",
                                               "teaser", "duration_seconds", "target_id")),
        sorted(Source.objects.values_list("pk", "name")),
        sorted(Article.tags.through.objects.values_list("content_object_id", "tag__name")),
    )


def linked_pair(tmp_path):
    """Two folders, a and b, of one article each: a's video names b's headline."""
    write(tmp_path / "a", "a.txt", VIDEO_FILE.format(target="Trade ministers sign the deal"))
    manifest(tmp_path / "a", [{"file": "a.txt", "source": "wire", "headline": "Force agreed"}])
    write(tmp_path / "b", "b.txt", STORY_FILE.format(
        lead="Trade ministers from the three states signed the customs deal on Friday."))
    manifest(tmp_path / "b", [{"file": "b.txt", "source": "wire",
                               "headline": "Trade Ministers Sign “The Deal”"}])
    return tmp_path / "a", tmp_path / "b"
