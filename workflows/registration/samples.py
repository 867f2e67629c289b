"""The sample documents of P1's demo, one per material of registration.v3.yaml.

Generic on purpose (the organization's name is left blank; the uploaded file's name carries
it): the demo attaches the same few files to every case. Shipped as PDFs in `demo_files/`;
`python -m workflows.registration.samples` makes them again from these texts.
"""

from __future__ import annotations

from pathlib import Path

from workflows.sample_documents import FOLDER, Sample, write

BLANK = "＿＿＿＿＿＿＿＿＿＿"
DATE = "＿＿＿＿年＿＿月＿＿日"

SAMPLES: dict[str, Sample] = {
    # REG-1: 附件1 of the registration authority's form set.
    "commitment_letter": Sample(
        title="社会组织党建工作承诺书",
        paragraphs=(
            "登记管理机关：",
            f"本组织（名称：{BLANK}）申请成立登记，现就党建工作郑重承诺如下：",
            "一、坚持中国共产党的全面领导，坚持正确政治方向，将党的建设和社会主义核心价值观"
            "写入本组织章程。",
            "二、在章程总则中载明党组织的法定地位和作用，在党建工作专章中明确党组织的设置形式、"
            "职责权限、经费保障和参与讨论本组织重大事项的方式。",
            "三、有3名以上正式党员的，按规定单独成立党组织；正式党员不足3名的，联合组建或"
            "挂靠组建；暂无党员的，接受选派的党建工作指导员，为建立党组织创造条件。",
            "四、为党组织开展活动提供必要的场地、经费和人员保障。",
            "五、如实填报《社会组织党员情况调查表》，党员情况发生变化时及时报告。",
        ),
        signed_by=(f"拟任负责人（签字）：{BLANK}", "社会组织（筹备组）（盖章）", DATE),
        seal="筹备组\n（盖章）",
    ),
    # REG-1 / REG-2: 附件2; the figures the caseworker records with `record_documents`.
    "member_survey": Sample(
        title="社会组织党员情况调查表",
        paragraphs=("填表说明：人数按申请成立时的实际情况填写，党员以组织关系为准。",),
        table=(
            ("社会组织名称", BLANK),
            ("从业人员总数（人）", ""),
            ("正式党员人数（人）", ""),
            ("其中：专职工作人员中的正式党员（人）", ""),
            ("预备党员人数（人）", ""),
            ("组织关系在外的党员人数（人）", ""),
            ("党员组织关系所在党组织", ""),
            ("拟任负责人是否党员", "是 / 否"),
            ("填表人及联系电话", ""),
        ),
        signed_by=("社会组织（筹备组）（盖章）", DATE),
        seal="筹备组\n（盖章）",
    ),
    # REG-3: the charter the review approves (its Party-building provisions, in extract).
    "charter": Sample(
        title="社会组织章程（草案）",
        paragraphs=(
            "第一章　总则",
            f"第一条　本会名称：{BLANK}。",
            "第四条　本会坚持中国共产党的全面领导，根据中国共产党章程的规定，设立中国共产党的"
            "组织，开展党的活动，为党组织的活动提供必要条件。党组织是本会的政治核心。",
            "第五条　本会遵守宪法、法律、法规和国家政策，践行社会主义核心价值观，弘扬爱国主义"
            "精神，遵守社会道德风尚。",
            "第八章　党的建设",
            "第四十条　本会按照党章规定设置党的基层组织（党支部、党总支或党委），"
            "正式党员不足3名的联合组建或挂靠组建。",
            "第四十一条　党组织的职责权限：保证政治方向，团结凝聚群众，推动事业发展，"
            "建设先进文化，服务人才成长，加强自身建设。",
            "第四十二条　本会将党建工作经费纳入管理费用列支，为党组织活动提供场地保障。",
            "第四十三条　本会重大事项决策前，听取党组织意见；党组织书记参加或列席理事会、"
            "会长办公会等有关会议。",
        ),
        signed_by=("（摘录，供演示）",),
    ),
    # REG-4: the authority's decision.
    "registration_decision": Sample(
        title="准予设立登记决定书",
        number="长民社登字〔2026〕第＿＿号",
        paragraphs=(
            f"{BLANK}（筹备组）：",
            "你单位提交的成立登记申请及有关材料收悉。经审查，符合社会组织登记管理有关规定，"
            "且已提交《社会组织党建工作承诺书》和《社会组织党员情况调查表》，"
            "决定准予成立登记，发给登记证书。",
            "请自登记之日起按照章程开展活动，同步推进党的组织和工作覆盖。",
        ),
        signed_by=("登记管理机关（印章）", DATE),
        seal="登记管理机关\n（印章）",
    ),
    # REG-5: the letter forwarding both documents, with its proof of delivery.
    "forwarding_letter": Sample(
        title="关于转送社会组织党建工作承诺书和党员情况调查表的函",
        paragraphs=(
            f"{BLANK}：",
            "根据《关于在社会组织登记和管理中同步加强党建工作的若干意见》，现将新成立的"
            f"{BLANK}的《社会组织党建工作承诺书》和《社会组织党员情况调查表》转送你单位，"
            "请及时了解掌握其党建基础情况，指导推动其开展党建工作。",
            "附件：1. 社会组织党建工作承诺书　2. 社会组织党员情况调查表",
        ),
        table=(("送达回执：接收单位", ""), ("接收人（签字）", ""), ("接收日期", DATE)),
        signed_by=("登记管理机关（印章）", DATE),
        seal="登记管理机关\n（印章）",
    ),
    # REG-7: the upper Party organization approves the new Party organization.
    "party_org_approval": Sample(
        title="关于同意成立中共＿＿＿＿支部委员会的批复",
        number="＿＿党字〔2026〕＿＿号",
        paragraphs=(
            f"{BLANK}：",
            "你单位《关于成立党支部的请示》收悉。经研究，同意成立中共＿＿＿＿支部委员会"
            "（党支部），隶属本党组织管理。",
            "请按照党章和有关规定，及时召开党员大会，选举产生支部委员会（书记），"
            "并将选举结果报批。",
        ),
        signed_by=("上级党组织（印章）", DATE),
        seal="上级党组织\n（印章）",
    ),
    # REG-7 / REG-8: no Party member (or formation not yet possible): an instructor.
    "instructor_dispatch_letter": Sample(
        title="关于选派社会组织党建工作指导员的通知",
        paragraphs=(
            f"{BLANK}：",
            f"经研究，决定选派{BLANK}同志担任你单位党建工作指导员，负责宣传党的路线方针政策，"
            "指导开展党的工作，帮助发现和培养入党积极分子，为建立党组织创造条件。",
            "请为党建工作指导员开展工作提供必要条件。",
        ),
        signed_by=("选派单位（印章）", DATE),
        seal="选派单位\n（印章）",
    ),
}


def main() -> None:
    for path in write(Path(__file__).parent / FOLDER, SAMPLES):
        print(path, path.stat().st_size)


if __name__ == "__main__":
    main()
