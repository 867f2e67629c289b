"""The sample documents of P2's demo: the upper Party organization's decision (TRF-4), on an
adjustment and on a revocation (both are the material `party_decision` of
adjustment.v4.yaml). Generic on purpose; `python -m workflows.adjustment.samples` makes the
PDFs in `demo_files/` again from these texts.
"""

from __future__ import annotations

from pathlib import Path

from workflows.sample_documents import FOLDER, Sample, write

BLANK = "＿＿＿＿＿＿＿＿＿＿"
DATE = "＿＿＿＿年＿＿月＿＿日"

SAMPLES: dict[str, Sample] = {
    "decision_change": Sample(
        title="关于调整＿＿＿＿党支部的决定",
        number="＿＿党发〔2026〕＿＿号",
        paragraphs=(
            f"{BLANK}党支部：",
            "你支部关于所在社会组织变更（合并、分立）情况的报告收悉。经研究，"
            "决定对你支部作如下调整：",
            f"一、党组织名称调整为{BLANK}；",
            "二、组织形式及隶属关系按调整后的社会组织情况确定；",
            "三、党员组织关系已按规定转移接续，请做好组织生活衔接。",
        ),
        signed_by=("上级党组织（印章）", DATE),
        seal="上级党组织\n（印章）",
    ),
    "decision_revocation": Sample(
        title="关于撤销＿＿＿＿党支部的决定",
        number="＿＿党发〔2026〕＿＿号",
        paragraphs=(
            f"{BLANK}党支部：",
            "你支部所在社会组织已决议注销。经研究，根据党内有关规定，决定撤销你支部。",
            "党员组织关系已全部转移接续，无党员未落实去向。请做好党组织印章、档案和党费的"
            "移交工作。",
        ),
        signed_by=("上级党组织（印章）", DATE),
        seal="上级党组织\n（印章）",
    ),
}


def main() -> None:
    for path in write(Path(__file__).parent / FOLDER, SAMPLES):
        print(path, path.stat().st_size)


if __name__ == "__main__":
    main()
