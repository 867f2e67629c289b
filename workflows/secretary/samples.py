"""The sample documents of P4's demo: the upper Party body's approval of a secretary (SEC-3)
and the secretary's annual report (SEC-7), materials of secretary.v4.yaml. Generic on purpose;
`python -m workflows.secretary.samples` makes the PDFs in `demo_files/` again.
"""

from __future__ import annotations

from pathlib import Path

from workflows.sample_documents import FOLDER, Sample, write

BLANK = "＿＿＿＿＿＿＿＿＿＿"
DATE = "＿＿＿＿年＿＿月＿＿日"

SAMPLES: dict[str, Sample] = {
    "appointment_approval": Sample(
        title="关于同意＿＿＿＿同志任党支部书记的批复",
        number="＿＿党组〔2026〕＿＿号",
        paragraphs=(
            f"{BLANK}党支部：",
            "你支部《关于选举结果的请示》收悉。经研究，同意＿＿＿＿同志任你支部书记。",
            "请按照守信念、讲奉献、有本领、重品行的要求，切实履行抓党建工作职责，"
            "每年向上级党组织和党员述职。",
        ),
        signed_by=("上级党组织（印章）", DATE),
        seal="上级党组织\n（印章）",
    ),
    "annual_report": Sample(
        title="党组织书记抓党建工作年度述职报告",
        paragraphs=(
            f"述职人：{BLANK}　　所在党组织：{BLANK}",
            "一、履行党建工作第一责任人职责情况：组织召开支部党员大会、支委会，"
            "落实“三会一课”制度。",
            "二、党组织发挥政治核心作用情况：参与讨论本组织重大事项，引导社会组织依法依章程"
            "开展活动。",
            "三、存在的问题和不足。",
            "四、下一年度工作打算。",
        ),
        table=(("述职对象", "上级党组织、全体党员"), ("参加党员人数", ""), ("评议结果", "")),
        signed_by=("述职人（签字）", DATE),
    ),
}


def main() -> None:
    for path in write(Path(__file__).parent / FOLDER, SAMPLES):
        print(path, path.stat().st_size)


if __name__ == "__main__":
    main()
