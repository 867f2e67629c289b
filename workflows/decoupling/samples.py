"""The sample document of P3's demo: the Party-building archives hand-over list (DEC-1), the
material `archives_handover_list` of decoupling.v4.yaml. Generic on purpose;
`python -m workflows.decoupling.samples` makes the PDF in `demo_files/` again.
"""

from __future__ import annotations

from pathlib import Path

from workflows.sample_documents import FOLDER, Sample, write

BLANK = "＿＿＿＿＿＿＿＿＿＿"
DATE = "＿＿＿＿年＿＿月＿＿日"

SAMPLES: dict[str, Sample] = {
    "archives_handover_list": Sample(
        title="行业协会商会脱钩党建工作档案移交清单",
        paragraphs=(
            f"移交单位（原业务主管单位党组织）：{BLANK}",
            f"接收单位（承接党组织）：{BLANK}",
            f"脱钩的行业协会商会：{BLANK}",
        ),
        table=(
            ("党组织设立、换届及批复文件", "份"),
            ("党员名册及组织关系材料", "份"),
            ("党费收缴使用记录", "册"),
            ("“三会一课”等组织生活记录", "册"),
            ("党建工作计划、总结及其他材料", "份"),
            ("移交人（签字）", ""),
            ("接收人（签字）", ""),
        ),
        signed_by=("移交单位（盖章）　　接收单位（盖章）", DATE),
        seal="交接双方\n（盖章）",
    ),
}


def main() -> None:
    for path in write(Path(__file__).parent / FOLDER, SAMPLES):
        print(path, path.stat().st_size)


if __name__ == "__main__":
    main()
