"""Kermanshah's working groups and its learning-city action plan, through the services (issue 5).

The demo secretariat forms seven working groups and seats their members: each person represents a demo
partner institution, and a few demo accounts hold seats so that people who log in see something (the
secretariat officer is secretary of monitoring and evaluation, Razi University's admin and editor chair
and run media and digital literacy, the Bisotun institute's admin and the working-group member sit in
groups and own tasks). The other members are synthetic people (seed 98 of `learningcity generate`, one per
partner they represent, adults only; they cannot log in), so a person may sit in several groups.

Each group met twice in the past: the secretary scheduled the meeting ten days ahead and invited everyone,
took attendance, wrote the minutes, recorded two or three numbered decisions and turned them into tasks;
the chair approved the minutes two days later. Owners then reported progress, so tasks are in every state
(not started, in progress, blocked, done) and some are overdue. A third meeting is coming up, with its
agenda and invitations. The secretariat's action plan for the Jalali year of the first run is published
with objectives under every building block (2.1-2.6) and fundamental condition (3.1-3.3), two or three
measurable results each, budget lines and linked demo programmes; the responsible groups' secretaries
reported progress over the past months, so every result has a dated timeline.

The demo clock dates every step as it would have happened, never after the start of today. Loading twice
changes nothing: a group is known by its short name, and its seats, meetings and tasks are only added
with the group; the plan is only added when the city has none (so a run in a later year adds no second).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from learningcity.accounts.models import CitizenProfile, User
from learningcity.catalogue.models import Programme, ProgrammeStatus
from learningcity.cities.models import City, Sex
from learningcity.core.audit import audit_record
from learningcity.core.jalali import jalali_year_of
from learningcity.core.text import persian_digits
from learningcity.institutions.models import Institution
from learningcity.institutions.selectors import PUBLIC_STATES
from learningcity.workgroups.models import (
    ActionPlan,
    AttendanceStatus,
    GroupMember,
    GroupRole,
    Meeting,
    PlanResult,
    TaskStatus,
    Visibility,
    WorkingGroup,
)
from learningcity.workgroups.permissions import can_manage_plan
from learningcity.workgroups.services import (
    attendance_record,
    budget_line_add,
    decision_record,
    group_create,
    meeting_mark_held,
    meeting_schedule,
    member_add,
    minutes_approve,
    minutes_save,
    objective_create,
    plan_create,
    plan_publish,
    plan_year_starts,
    result_create,
    result_report,
    task_create,
    task_progress,
)

from .clock import DemoClock
from .synthetic import generate_citizens, mobile_for

# The synthetic people who sit in the groups for the partners: seed 98 of `learningcity generate`.
PEOPLE_SEED = 98
PEOPLE_DRAWN = 100
ADULT_AGES = (28, 62)
# The groups were formed this many days before today; their members joined then.
FORMED_DAYS_AGO = 150
SCHEDULED_AHEAD = dt.timedelta(days=10)
MEETING_LENGTH = dt.timedelta(hours=2)
APPROVED_AFTER = dt.timedelta(days=2)
# The plan is published this many days into its Jalali year, and not before the groups have met once.
PLAN_PUBLISHED_DAY = 12
PLAN_AFTER_GROUPS = dt.timedelta(days=45)
# Partners whose representative is a woman (a girls' school, women's centres and associations).
WOMEN_REPRESENT = frozenset({
    "farzanegan-girls-high-school-kermanshah", "kermanshah-women-entrepreneurs-association",
    "kermanshah-tvto-womens-training-centre",
})


@dataclass(frozen=True)
class SeatSpec:
    """A seat: the partner represented, the role, and a demo account's key if a demo person holds it."""

    partner: str
    role: str = GroupRole.MEMBER
    account: str = ""

    @property
    def key(self) -> str:
        return self.account or self.partner


@dataclass(frozen=True)
class TaskSpec:
    """A task from a decision. `owner` is a seat's key (partner slug or demo account key), or
    "partner:<slug>" for the institution itself; `deadline` counts days from today (negative: past);
    `state` is where the owner has taken it by today."""

    title: str
    owner: str
    deadline: int
    state: str = TaskStatus.NOT_STARTED
    progress: int = 0
    comment: str = ""


@dataclass(frozen=True)
class DecisionSpec:
    text: str
    item: int  # the agenda item (0-based) it was taken under
    tasks: tuple[TaskSpec, ...] = ()


@dataclass(frozen=True)
class MeetingSpec:
    """A meeting `days` days from today (negative: it took place); `notes` are the minutes per agenda item."""

    days: int
    title_fa: str
    title_en: str
    place_fa: str
    place_en: str
    agenda: tuple[str, ...]
    notes: tuple[str, ...] = ()
    decisions: tuple[DecisionSpec, ...] = ()


@dataclass(frozen=True)
class GroupSpec:
    slug: str
    name_fa: str
    name_en: str
    mandate_fa: str
    mandate_en: str
    domains: tuple[str, ...]
    key_features: tuple[str, ...]
    seats: tuple[SeatSpec, ...]
    meetings: tuple[MeetingSpec, ...]
    visibility: str = Visibility.PUBLIC
    hour: int = 10


S, T, D, M = SeatSpec, TaskSpec, DecisionSpec, MeetingSpec
CHAIR, SECRETARY, OBSERVER = GroupRole.CHAIR, GroupRole.SECRETARY, GroupRole.OBSERVER
IN_PROGRESS, BLOCKED, DONE = TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.DONE
MUNICIPALITY = "kermanshah-municipality-cultural-social-sports-organization"

GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec(
        slug="literacy-basic-skills",
        name_fa="کارگروه سوادآموزی و مهارت‌های پایه",
        name_en="Literacy and basic skills",
        mandate_fa=(
            "هماهنگی دستگاه‌ها و نهادهای شهر برای ریشه‌کن کردن بی‌سوادی و ارتقای مهارت‌های پایهٔ خواندن، "
            "نوشتن و حساب در همهٔ سنین: شناسایی بزرگسالان کم‌سواد در محله‌ها، گسترش کلاس‌های سوادآموزی در "
            "مدرسه‌های شبانه، کتابخانه‌ها و سراهای محله، و پیوند دادن سوادآموزی با مهارت‌های زندگی و کار."
        ),
        mandate_en=(
            "Coordinate the city's agencies and partners to end illiteracy and raise basic reading, writing and "
            "numeracy skills at every age: find adults with low literacy in the neighbourhoods, extend literacy "
            "classes in evening schools, libraries and neighbourhood centres, and link literacy with life and "
            "work skills."
        ),
        domains=("literacy", "literacy-adult-basic", "literacy-general", "language-persian-for-migrants"),
        key_features=("1.1", "2.1", "2.2"),
        seats=(
            S("kermanshah-literacy-movement", CHAIR),
            S("kermanshah-province-general-directorate-of-education", SECRETARY),
            S("adult-evening-high-school-kermanshah"),
            S("kermanshah-public-libraries-directorate"),
            S("faizabad-neighbourhood-centre"),
            S("payame-noor-university-kermanshah"),
            S(MUNICIPALITY, account="working_group"),
        ),
        hour=9,
        meetings=(
            M(-112, "نشست نخست: نقشهٔ سوادآموزی محله‌ها", "First meeting: a literacy map of the neighbourhoods",
              "سالن جلسات اداره کل نهضت سوادآموزی استان کرمانشاه", "Meeting room, Kermanshah Literacy Movement",
              agenda=(
                  "معرفی اعضا و مرور شرح وظایف کارگروه",
                  "آمار بی‌سوادی و کم‌سوادی بزرگسالان به تفکیک منطقهٔ شهرداری",
                  "برنامهٔ کلاس‌های سوادآموزی در مدرسه‌های شبانه و سراهای محله",
              ),
              notes=(
                  "اعضا خود و نهاد متبوعشان را معرفی کردند و شرح وظایف کارگروه، مصوب دبیرخانهٔ شهر یادگیرنده، "
                  "مرور شد.",
                  "نمایندهٔ نهضت سوادآموزی گزارش داد که بیشترین شمار بزرگسالان کم‌سواد در منطقه‌های ۵ و ۷ "
                  "زندگی می‌کنند و داده‌های محله‌ای هنوز کامل نیست.",
                  "مقرر شد کلاس‌ها در نزدیک‌ترین مکان به محل زندگی فراگیران و در ساعت‌های عصر برگزار شود.",
              ),
              decisions=(
                  D("اداره کل نهضت سوادآموزی ظرف یک ماه نقشهٔ کم‌سوادی بزرگسالان را به تفکیک محله و منطقهٔ "
                    "شهرداری تهیه و به دبیرخانهٔ شهر یادگیرنده ارسال کند.", 1,
                    (T("تهیهٔ نقشهٔ کم‌سوادی بزرگسالان به تفکیک محله", "partner:kermanshah-literacy-movement",
                       -75, DONE, 100, "نقشه تهیه و برای دبیرخانه ارسال شد."),)),
                  D("در هر یک از هشت منطقهٔ شهر دست‌کم یک کلاس سوادآموزی بزرگسالان در مدرسهٔ شبانه یا سرای "
                    "محله برپا شود.", 2,
                    (T("راه‌اندازی کلاس سوادآموزی بزرگسالان در سرای محلهٔ فیض‌آباد",
                       "faizabad-neighbourhood-centre", -30, IN_PROGRESS, 60,
                       "کلاس با دوازده فراگیر آغاز شده؛ جذب مربی دوم ادامه دارد."),)),
                  D("کتابخانه‌های عمومی برای نوسوادان بستهٔ کتاب‌های ساده‌خوان فراهم کنند.", 2,
                    (T("تهیهٔ بستهٔ کتاب‌های ساده‌خوان برای نوسوادان", "kermanshah-public-libraries-directorate",
                       20, IN_PROGRESS, 40, "فهرست کتاب‌ها نهایی شد و خرید در جریان است."),)),
              )),
            M(-48, "نشست دوم: پیوند سوادآموزی با مهارت‌های زندگی", "Second meeting: literacy for life",
              "سرای محلهٔ فیض‌آباد", "Faizabad neighbourhood centre",
              agenda=(
                  "گزارش پیشرفت مصوبات نشست نخست",
                  "طرح «سواد برای زندگی»: سواد مالی و کار با خدمات الکترونیک",
                  "ادامهٔ تحصیل نوسوادان در دبیرستان بزرگسالان",
              ),
              notes=(
                  "دبیر کارگروه گزارش داد که نقشهٔ کم‌سوادی تهیه شده و کلاس سرای محلهٔ فیض‌آباد آغاز به کار "
                  "کرده است.",
                  "اعضا بر آموزش کار با بانکداری همراه و خدمات دولت الکترونیک در کنار خواندن و نوشتن تأکید "
                  "کردند.",
                  "نمایندهٔ دبیرستان بزرگسالان از آمادگی مدرسه برای پذیرش نوسوادان در ترم آینده خبر داد.",
              ),
              decisions=(
                  D("آموزش سواد مالی پایه و کار با خدمات الکترونیک به برنامهٔ کلاس‌های نوسوادان افزوده شود.", 1,
                    (T("تدوین بستهٔ آموزشی «سواد برای زندگی»", "working_group", 40),)),
                  D("دبیرستان بزرگسالان شبانه ظرفیت پذیرش نوسوادان را برای ترم آینده بررسی و گزارش کند.", 2,
                    (T("گزارش ظرفیت پذیرش نوسوادان در دبیرستان بزرگسالان", "adult-evening-high-school-kermanshah",
                       -5, BLOCKED, 30, "در انتظار تأیید ظرفیت کلاس‌ها از سوی ادارهٔ آموزش و پرورش."),)),
              )),
            M(12, "نشست سوم: برنامهٔ کلاس‌های نیم‌سال دوم", "Third meeting: classes for the second half-year",
              "سالن جلسات اداره کل نهضت سوادآموزی استان کرمانشاه", "Meeting room, Kermanshah Literacy Movement",
              agenda=(
                  "گزارش کلاس‌های سوادآموزی هشت منطقه",
                  "تأیید بستهٔ آموزشی «سواد برای زندگی»",
                  "برنامهٔ جشن پایان دورهٔ نوسوادان",
              )),
        ),
    ),
    GroupSpec(
        slug="health-wellbeing",
        name_fa="کارگروه سلامت و بهزیستی",
        name_en="Health and well-being",
        mandate_fa=(
            "برنامه‌ریزی آموزش همگانی سلامت برای شهروندان کرمانشاه، از کمک‌های اولیه و تغذیهٔ سالم تا سلامت "
            "روان و سالمندی فعال، با همکاری دانشگاه علوم پزشکی، جمعیت هلال احمر، سراهای محله و انجمن‌های "
            "مردم‌نهاد، و با توجه ویژه به افراد دارای معلولیت و خانواده‌های کم‌برخوردار."
        ),
        mandate_en=(
            "Plan public health learning for Kermanshah's citizens, from first aid and healthy eating to mental "
            "well-being and active ageing, with the University of Medical Sciences, the Red Crescent, "
            "neighbourhood centres and NGOs, with special attention to people with disabilities and low-income "
            "families."
        ),
        domains=("health", "health-first-aid", "health-mental-wellbeing", "health-active-ageing"),
        key_features=("1.1", "2.2", "2.6"),
        seats=(
            S("kermanshah-university-of-medical-sciences", CHAIR),
            S("kums-social-development-health-promotion-research-centre", SECRETARY),
            S("red-crescent-kermanshah"),
            S("kermanshah-tavanyaban-association"),
            S("faizabad-neighbourhood-centre"),
            S("shahid-motahari-public-library-kermanshah"),
            S(MUNICIPALITY, account="working_group"),
        ),
        hour=10,
        meetings=(
            M(-105, "نشست نخست: اولویت‌های آموزش همگانی سلامت", "First meeting: priorities for health learning",
              "دانشکدهٔ بهداشت دانشگاه علوم پزشکی کرمانشاه", "School of Public Health, Kermanshah University "
              "of Medical Sciences",
              agenda=(
                  "اولویت‌های آموزش سلامت شهروندان در سال جاری",
                  "دوره‌های کمک‌های اولیه در محله‌ها با همکاری هلال احمر",
                  "دسترس‌پذیری مکان‌های آموزشی برای افراد دارای معلولیت",
              ),
              notes=(
                  "کمک‌های اولیه، سلامت روان نوجوانان و سالمندی فعال سه اولویت نخست سال شناخته شد.",
                  "هلال احمر آمادگی خود را برای برگزاری دوره‌های رایگان در همهٔ منطقه‌ها اعلام کرد.",
                  "انجمن توانیابان گزارش داد که بسیاری از کلاس‌ها در طبقه‌های بدون آسانسور برگزار می‌شود.",
              ),
              decisions=(
                  D("جمعیت هلال احمر در هر منطقهٔ شهر دست‌کم دو دورهٔ رایگان کمک‌های اولیه برای شهروندان "
                    "برگزار کند.", 1,
                    (T("برگزاری دوره‌های رایگان کمک‌های اولیه در هشت منطقه", "red-crescent-kermanshah", 35,
                       IN_PROGRESS, 55, "دوره‌های منطقه‌های ۱ تا ۴ برگزار شد."),)),
                  D("انجمن توانیابان فهرست نیازهای دسترس‌پذیری مکان‌های آموزشی شریکان را تهیه کند.", 2,
                    (T("فهرست نیازهای دسترس‌پذیری مکان‌های آموزشی",
                       "partner:kermanshah-tavanyaban-association", -40, DONE, 100,
                       "فهرست سی مکان آموزشی با پیشنهاد اصلاح تحویل شد."),)),
              )),
            M(-41, "نشست دوم: سلامت روان و سالمندی فعال", "Second meeting: mental well-being and active ageing",
              "کتابخانهٔ عمومی شهید مطهری کرمانشاه", "Shahid Motahari Public Library",
              agenda=(
                  "گزارش دوره‌های کمک‌های اولیه",
                  "کارگاه‌های سلامت روان برای نوجوانان و والدین",
                  "حلقه‌های سالمندی فعال در کتابخانه‌ها و سراهای محله",
              ),
              notes=(
                  "تا امروز چهار منطقه دوره‌های کمک‌های اولیه را برگزار کرده‌اند و استقبال زنان خانه‌دار "
                  "چشمگیر بوده است.",
                  "مرکز تحقیقات توسعهٔ اجتماعی پیشنهاد کرد محتوای کارگاه‌ها برای والدین نوجوانان جداگانه "
                  "تدوین شود.",
                  "اعضا اجرای آزمایشی حلقه‌های سالمندی فعال را در دو کتابخانه پیشنهاد کردند.",
              ),
              decisions=(
                  D("مرکز تحقیقات توسعهٔ اجتماعی و ارتقای سلامت بستهٔ آموزشی سلامت روان ویژهٔ والدین نوجوانان "
                    "را تدوین کند.", 1,
                    (T("تدوین بستهٔ آموزشی سلامت روان برای والدین نوجوانان",
                       "kums-social-development-health-promotion-research-centre", 30, IN_PROGRESS, 30),)),
                  D("حلقه‌های «سالمندی فعال» در دو کتابخانهٔ عمومی به‌صورت آزمایشی راه‌اندازی شود.", 2,
                    (T("راه‌اندازی آزمایشی حلقه‌های سالمندی فعال در دو کتابخانه", "working_group", -10,
                       IN_PROGRESS, 70, "حلقهٔ کتابخانهٔ شهید مطهری برپاست؛ کتابخانهٔ دوم هنوز مربی ندارد."),)),
                  D("گزارش مشارکت شهروندان در دوره‌های سلامت هر سه ماه برای کارگروه پایش و ارزشیابی فرستاده "
                    "شود.", 0,
                    (T("گزارش سه‌ماههٔ مشارکت در دوره‌های سلامت", "kermanshah-university-of-medical-sciences",
                       60),)),
              )),
            M(9, "نشست سوم: ارزیابی دوره‌های کمک‌های اولیه", "Third meeting: how the first-aid courses went",
              "دانشکدهٔ بهداشت دانشگاه علوم پزشکی کرمانشاه", "School of Public Health, Kermanshah University "
              "of Medical Sciences",
              agenda=(
                  "نتایج نظرسنجی شرکت‌کنندگان دوره‌های کمک‌های اولیه",
                  "پیش‌نویس بستهٔ آموزشی سلامت روان",
                  "برنامهٔ هفتهٔ سلامت شهر",
              )),
        ),
    ),
    GroupSpec(
        slug="environment-sustainability",
        name_fa="کارگروه محیط زیست و توسعهٔ پایدار",
        name_en="Environment and sustainable development",
        mandate_fa=(
            "ترویج یادگیری برای توسعهٔ پایدار در کرمانشاه: صرفه‌جویی و حفاظت از آب، کاهش و تفکیک پسماند، "
            "طبیعت شهری و سازگاری با تغییر اقلیم؛ از راه آموزش در مدرسه‌ها، محله‌ها، پارک‌ها و محیط کار و با "
            "مشارکت انجمن‌های زیست‌محیطی، دانشگاه‌ها و صنایع شهر."
        ),
        mandate_en=(
            "Promote learning for sustainable development in Kermanshah (saving and protecting water, reducing "
            "and sorting waste, urban nature and adapting to climate change) in schools, neighbourhoods, parks "
            "and workplaces, with environmental NGOs, universities and the city's industry."
        ),
        domains=("environment", "environment-water-conservation", "environment-waste-recycling",
                 "environment-urban-nature"),
        key_features=("1.3", "2.2", "2.6"),
        seats=(
            S("zagros-environment-friends-association", CHAIR),
            S(MUNICIPALITY, SECRETARY),
            S("kermanshah-agricultural-natural-resources-research-centre"),
            S("kermanshah-oil-refining-company"),
            S("kermanshah-university-of-technology"),
            S("kanoon-kermanshah"),
            S("kermanshah-water-wastewater-company"),
        ),
        hour=11,
        meetings=(
            M(-98, "نشست نخست: آموزش صرفه‌جویی آب", "First meeting: learning to save water",
              "ساختمان مرکزی سازمان فرهنگی، اجتماعی و ورزشی شهرداری کرمانشاه",
              "Kermanshah Municipality Cultural, Social and Sports Organization",
              agenda=(
                  "وضعیت منابع آب شهر و نقش آموزش شهروندان",
                  "طرح «مدرسه‌های دوستدار آب»",
                  "پیاده‌روی‌های آموزشی طبیعت در طاق‌بستان و دامنهٔ کوه پراو",
              ),
              notes=(
                  "نمایندهٔ شرکت آب و فاضلاب گزارش داد که مصرف سرانهٔ آب در تابستان از میانگین استان بالاتر "
                  "بوده است.",
                  "مقرر شد طرح در بیست مدرسه با همکاری آموزش و پرورش اجرا شود.",
                  "انجمن دوستداران محیط زیست زاگرس برنامهٔ ماهانهٔ پیاده‌روی خانوادگی را پیشنهاد کرد.",
              ),
              decisions=(
                  D("شرکت آب و فاضلاب با همکاری آموزش و پرورش طرح «مدرسه‌های دوستدار آب» را در بیست مدرسهٔ "
                    "شهر اجرا کند.", 1,
                    (T("اجرای طرح مدرسه‌های دوستدار آب در بیست مدرسه", "kermanshah-water-wastewater-company",
                       -20, DONE, 100, "طرح در هر بیست مدرسه اجرا و گزارش آن ارسال شد."),)),
                  D("انجمن دوستداران محیط زیست زاگرس هر ماه یک پیاده‌روی آموزشی طبیعت برای خانواده‌ها برگزار "
                    "کند.", 2,
                    (T("پیاده‌روی آموزشی ماهانهٔ طبیعت برای خانواده‌ها", "zagros-environment-friends-association",
                       50, IN_PROGRESS, 50, "شش پیاده‌روی از دوازده برنامه برگزار شده است."),)),
              )),
            M(-36, "نشست دوم: تفکیک پسماند از مبدأ", "Second meeting: sorting waste at home",
              "سرای محلهٔ فیض‌آباد", "Faizabad neighbourhood centre",
              agenda=(
                  "گزارش اجرای طرح مدرسه‌های دوستدار آب",
                  "آموزش تفکیک پسماند در سراهای محله",
                  "همکاری صنایع شهر در آموزش انرژی و اقلیم",
              ),
              notes=(
                  "طرح در هفده مدرسه اجرا شده و سه مدرسهٔ دیگر در نوبت‌اند.",
                  "شهرداری آمادگی خود را برای تأمین سطل‌های تفکیک و مربی اعلام کرد.",
                  "پالایشگاه کرمانشاه پیشنهاد داد دوره‌ای برای کارکنان و خانواده‌هایشان طراحی شود.",
              ),
              decisions=(
                  D("کارگاه‌های تفکیک پسماند از مبدأ در همهٔ سراهای محلهٔ منطقه‌های ۱ و ۲ برگزار شود.", 1,
                    (T("کارگاه‌های تفکیک پسماند در سراهای محلهٔ منطقه‌های ۱ و ۲", f"partner:{MUNICIPALITY}",
                       20),)),
                  D("شرکت پالایش نفت کرمانشاه دورهٔ «انرژی و اقلیم» را برای کارکنان و خانواده‌هایشان طراحی "
                    "کند.", 2,
                    (T("طراحی دورهٔ انرژی و اقلیم برای کارکنان پالایشگاه", "kermanshah-oil-refining-company",
                       -3, BLOCKED, 20, "در انتظار معرفی مدرس از سوی دانشگاه صنعتی."),)),
                  D("دانشگاه صنعتی کرمانشاه مدرس و محتوای علمی دورهٔ انرژی و اقلیم را فراهم کند.", 2,
                    (T("معرفی مدرس و محتوای دورهٔ انرژی و اقلیم", "kermanshah-university-of-technology", 15,
                       IN_PROGRESS, 20),)),
              )),
            M(16, "نشست سوم: آموزش سازگاری با کم‌آبی", "Third meeting: learning to live with less water",
              "ساختمان مرکزی سازمان فرهنگی، اجتماعی و ورزشی شهرداری کرمانشاه",
              "Kermanshah Municipality Cultural, Social and Sports Organization",
              agenda=(
                  "گزارش کارگاه‌های تفکیک پسماند",
                  "آموزش آبیاری کم‌مصرف برای باغچه‌های خانگی",
                  "برنامهٔ روز جهانی محیط زیست",
              )),
        ),
    ),
    GroupSpec(
        slug="entrepreneurship-job-skills",
        name_fa="کارگروه کارآفرینی و مهارت‌های شغلی",
        name_en="Entrepreneurship and job skills",
        mandate_fa=(
            "پیوند یادگیری با اشتغال در کرمانشاه: مهارت‌آموزی فنی و حرفه‌ای، آموزش راه‌اندازی کسب‌وکار و "
            "مشاغل خانگی، هدایت شغلی جوانان و توانمندسازی زنان سرپرست خانوار؛ با همکاری آموزش فنی و حرفه‌ای، "
            "دانشگاه‌ها، پارک علم و فناوری، آموزشگاه‌های آزاد و انجمن‌های کارآفرینان."
        ),
        mandate_en=(
            "Link learning with work in Kermanshah: technical and vocational training, skills for starting a "
            "business and home-based enterprises, career guidance for young people and empowerment of women "
            "heads of household, with the technical and vocational training organisation, universities, the "
            "science and technology park, private institutes and entrepreneurs' associations."
        ),
        domains=("entrepreneurship", "job-skills", "entrepreneurship-home-based", "job-skills-career-guidance"),
        key_features=("1.2", "2.3", "3.3"),
        seats=(
            S("kermanshah-tvto-general-directorate", CHAIR),
            S("kermanshah-science-technology-park", SECRETARY),
            S("kermanshah-women-entrepreneurs-association"),
            S("technical-vocational-university-kermanshah"),
            S("sofreh-cooking-pastry-institute"),
            S("kermanshah-tvto-womens-training-centre"),
            S("bisotun-foreign-languages-institute", account="institute_admin"),
        ),
        hour=9,
        meetings=(
            M(-91, "نشست نخست: نیازسنجی مهارت‌های بازار کار", "First meeting: the skills the job market needs",
              "اداره کل آموزش فنی و حرفه‌ای استان کرمانشاه", "Kermanshah Technical and Vocational Training",
              agenda=(
                  "نتایج نیازسنجی مهارت‌های مورد نیاز بازار کار استان",
                  "دوره‌های مهارتی ویژهٔ زنان سرپرست خانوار",
                  "نمایشگاه مشاغل خانگی در هفتهٔ شهر یادگیرنده",
              ),
              notes=(
                  "آشپزی و صنایع غذایی، خیاطی، تعمیر لوازم خانگی و بازاریابی دیجیتال پرتقاضاترین مهارت‌ها "
                  "بوده‌اند.",
                  "مرکز آموزش فنی و حرفه‌ای خواهران دو دوره با گواهی معتبر پیشنهاد داد.",
                  "انجمن زنان کارآفرین برگزاری نمایشگاه را با حضور دست‌کم سی کسب‌وکار خانگی پذیرفت.",
              ),
              decisions=(
                  D("مرکز آموزش فنی و حرفه‌ای خواهران دو دورهٔ مهارتی با گواهی معتبر ویژهٔ زنان سرپرست خانوار "
                    "برگزار کند.", 1,
                    (T("برگزاری دو دورهٔ مهارتی برای زنان سرپرست خانوار", "kermanshah-tvto-womens-training-centre",
                       -15, DONE, 100, "هر دو دوره با ۴۶ دانش‌آموخته به پایان رسید."),)),
                  D("انجمن زنان کارآفرین نمایشگاه مشاغل خانگی را با حضور دست‌کم سی کسب‌وکار برگزار کند.", 2,
                    (T("برگزاری نمایشگاه مشاغل خانگی", "kermanshah-women-entrepreneurs-association", 45,
                       IN_PROGRESS, 35, "هجده کسب‌وکار ثبت‌نام کرده‌اند."),)),
              )),
            M(-29, "نشست دوم: هدایت شغلی جوانان", "Second meeting: career guidance for young people",
              "پارک علم و فناوری استان کرمانشاه", "Kermanshah Science and Technology Park",
              agenda=(
                  "گزارش دوره‌های زنان سرپرست خانوار",
                  "مشاورهٔ راه‌اندازی کسب‌وکار برای دانش‌آموختگان جوان",
                  "زبان انگلیسی برای گردشگری و کسب‌وکار",
              ),
              notes=(
                  "دو دوره با موفقیت به پایان رسید و شش دانش‌آموخته کسب‌وکار خانگی راه انداخته‌اند.",
                  "پارک علم و فناوری جلسه‌های ماهانهٔ مشاوره را با حضور کارآفرینان موفق پیشنهاد کرد.",
                  "آموزشگاه بیستون آمادگی خود را برای طراحی دوره‌ای کوتاه برای کسبهٔ محور طاق‌بستان اعلام کرد.",
              ),
              decisions=(
                  D("پارک علم و فناوری هر ماه یک جلسهٔ مشاورهٔ راه‌اندازی کسب‌وکار برای جوانان برگزار کند.", 1,
                    (T("جلسه‌های ماهانهٔ مشاورهٔ کسب‌وکار برای جوانان", "kermanshah-science-technology-park",
                       60),)),
                  D("آموزشگاه زبان‌های خارجی بیستون دورهٔ کوتاه «انگلیسی برای گردشگری» را برای راهنمایان و "
                    "کسبهٔ محور طاق‌بستان طراحی کند.", 2,
                    (T("طراحی دورهٔ انگلیسی برای گردشگری", "institute_admin", 25, IN_PROGRESS, 25,
                       "سرفصل‌ها آماده شد؛ نمونهٔ درس‌ها در دست تهیه است."),)),
                  D("دانشگاه فنی و حرفه‌ای فهرست رشته‌های کوتاه‌مدت پرتقاضا را برای ثبت در سامانهٔ شهر "
                    "یادگیرنده بفرستد.", 1,
                    (T("فهرست رشته‌های کوتاه‌مدت پرتقاضا برای سامانه",
                       "partner:technical-vocational-university-kermanshah", -8),)),
              )),
            M(7, "نشست سوم: آماده‌سازی نمایشگاه مشاغل خانگی", "Third meeting: getting the home-business fair ready",
              "اداره کل آموزش فنی و حرفه‌ای استان کرمانشاه", "Kermanshah Technical and Vocational Training",
              agenda=(
                  "مکان و زمان نمایشگاه مشاغل خانگی",
                  "گزارش نخستین جلسه‌های مشاورهٔ کسب‌وکار",
                  "پیشنهاد دوره‌های مهارتی نیم‌سال آینده",
              )),
        ),
    ),
    GroupSpec(
        slug="media-digital-literacy",
        name_fa="کارگروه سواد رسانه‌ای و دیجیتال",
        name_en="Media and digital literacy",
        mandate_fa=(
            "توانمندسازی شهروندان در همهٔ سنین برای استفادهٔ آگاهانه، ایمن و خلاق از رسانه‌ها و فناوری‌های "
            "دیجیتال: سواد رسانه‌ای، ایمنی در فضای مجازی، کار با خدمات الکترونیک و تولید محتوای دیجیتال؛ "
            "با محوریت دانشگاه رازی و همکاری کتابخانه‌ها، مدرسه‌ها و مراکز فرهنگی شهر."
        ),
        mandate_en=(
            "Equip citizens of every age to use media and digital technologies knowingly, safely and creatively "
            "(media literacy, online safety, e-services and digital creation), led by Razi University with the "
            "city's libraries, schools and cultural centres."
        ),
        domains=("literacy-media", "digital-skills", "digital-online-safety", "digital-e-services"),
        key_features=("1.1", "2.4", "2.6"),
        seats=(
            S("razi-university", CHAIR, account="university_admin"),
            S("razi-university", SECRETARY, account="university_editor"),
            S("kermanshah-central-public-library"),
            S("kermanshah-art-centre"),
            S("farzanegan-girls-high-school-kermanshah"),
            S("kermanshah-university-of-technology"),
            S("kermanshah-education-district-1", OBSERVER),
        ),
        hour=14,
        meetings=(
            M(-84, "نشست نخست: سواد رسانه‌ای برای خانواده‌ها", "First meeting: media literacy for families",
              "دانشگاه رازی، سالن شورای دانشکدهٔ علوم اجتماعی", "Razi University, Faculty of Social Sciences",
              agenda=(
                  "دوره‌های سواد رسانه‌ای برای والدین و نوجوانان",
                  "کمک به سالمندان در کار با خدمات الکترونیک",
                  "کارگاه‌های تولید محتوای دیجیتال در کتابخانهٔ مرکزی",
              ),
              notes=(
                  "دانشگاه رازی پیشنهاد داد کارگاه‌های والدین در کتابخانه‌های عمومی و در روزهای تعطیل برگزار "
                  "شود.",
                  "کتابخانهٔ مرکزی از مراجعهٔ روزافزون سالمندان برای کار با سامانه‌های دولتی خبر داد.",
                  "حوزهٔ هنری آمادگی خود را برای میزبانی کارگاه‌های تولید محتوا اعلام کرد.",
              ),
              decisions=(
                  D("دانشگاه رازی چهار کارگاه سواد رسانه‌ای برای والدین در کتابخانه‌های عمومی برگزار کند.", 0,
                    (T("چهار کارگاه سواد رسانه‌ای برای والدین", "partner:razi-university", -12, DONE, 100,
                       "چهار کارگاه با ۲۳۰ شرکت‌کننده برگزار شد."),)),
                  D("کتابخانهٔ عمومی مرکزی میز «پرسش دیجیتال» برای کمک به سالمندان در کار با خدمات "
                    "الکترونیک راه‌اندازی کند.", 1,
                    (T("راه‌اندازی میز پرسش دیجیتال در کتابخانهٔ مرکزی", "kermanshah-central-public-library", 30,
                       IN_PROGRESS, 45, "میز هفته‌ای دو روز با کمک داوطلبان دانشجو فعال است."),)),
              )),
            M(-22, "نشست دوم: ایمنی در فضای مجازی برای نوجوانان", "Second meeting: online safety for teenagers",
              "کتابخانهٔ عمومی مرکزی کرمانشاه", "Kermanshah Central Public Library",
              agenda=(
                  "گزارش کارگاه‌های سواد رسانه‌ای والدین",
                  "طرح «نوجوان هوشمند» در دبیرستان‌ها",
                  "جشنوارهٔ تولید محتوای دیجیتال نوجوانان",
              ),
              notes=(
                  "کارگاه‌ها با ۲۳۰ شرکت‌کننده برگزار شد و والدین خواستار دوره‌های پیشرفته‌تر شدند.",
                  "دبیرستان فرزانگان آمادگی خود را برای اجرای آزمایشی بستهٔ آموزشی اعلام کرد.",
                  "حوزهٔ هنری پیش‌نویس فراخوان جشنواره را ارائه کرد.",
              ),
              decisions=(
                  D("بستهٔ آموزشی «ایمنی در فضای مجازی» با همکاری دبیرستان فرزانگان به‌صورت آزمایشی اجرا "
                    "شود.", 1,
                    (T("اجرای آزمایشی بستهٔ ایمنی در فضای مجازی در دبیرستان فرزانگان", "university_editor", 20,
                       IN_PROGRESS, 30, "جلسهٔ هماهنگی با مدیر مدرسه برگزار شد."),)),
                  D("حوزهٔ هنری فراخوان جشنوارهٔ تولید محتوای دیجیتال نوجوانان را منتشر کند.", 2,
                    (T("انتشار فراخوان جشنوارهٔ محتوای دیجیتال نوجوانان", "kermanshah-art-centre", -4, BLOCKED,
                       40, "فراخوان آماده است؛ منتظر تأیید بودجهٔ جوایز هستیم."),)),
                  D("رئیس کارگروه گزارش نیم‌سالهٔ کارگروه را برای دبیرخانهٔ شهر یادگیرنده آماده کند.", 0,
                    (T("گزارش نیم‌سالهٔ کارگروه برای دبیرخانه", "university_admin", 40),)),
              )),
            M(14, "نشست سوم: جشنوارهٔ محتوای دیجیتال نوجوانان", "Third meeting: the teenagers' digital festival",
              "دانشگاه رازی، سالن شورای دانشکدهٔ علوم اجتماعی", "Razi University, Faculty of Social Sciences",
              agenda=(
                  "داوری و جوایز جشنواره",
                  "گزارش اجرای آزمایشی بستهٔ ایمنی در فضای مجازی",
                  "گسترش میز پرسش دیجیتال به کتابخانه‌های دیگر",
              )),
        ),
    ),
    GroupSpec(
        slug="families-communities",
        name_fa="کارگروه خانواده و اجتماعات محلی",
        name_en="Families and communities",
        mandate_fa=(
            "زنده کردن یادگیری در خانواده‌ها و محله‌های کرمانشاه: کتاب‌خوانی خانوادگی، فرزندپروری، یادگیری "
            "بین‌نسلی و مشارکت داوطلبانه؛ با سراهای محله، کتابخانه‌ها، کانون پرورش فکری کودکان و نوجوانان و "
            "مدرسه‌ها، به‌ویژه در محله‌های کم‌برخوردار و برای خانواده‌های دارای فرزند با نیازهای ویژه."
        ),
        mandate_en=(
            "Revitalise learning in Kermanshah's families and neighbourhoods (family reading, parenting, "
            "intergenerational learning and volunteering) with neighbourhood centres, libraries, the Institute "
            "for the Intellectual Development of Children and Young Adults and schools, especially in "
            "underserved neighbourhoods and for families of children with special needs."
        ),
        domains=("family-learning", "family-parenting", "family-reading-together", "civic-volunteering-participation"),
        key_features=("1.1", "2.2", "3.2"),
        seats=(
            S(MUNICIPALITY, CHAIR),
            S("kanoon-kermanshah", SECRETARY),
            S("faizabad-neighbourhood-centre"),
            S("shahid-motahari-public-library-kermanshah"),
            S("baghcheban-exceptional-school-kermanshah"),
            S("kermanshah-childrens-reading-promotion-association"),
            S(MUNICIPALITY, account="working_group"),
        ),
        hour=16,
        meetings=(
            M(-77, "نشست نخست: کتاب‌خوانی خانوادگی در محله‌ها", "First meeting: family reading in the neighbourhoods",
              "سرای محلهٔ فیض‌آباد", "Faizabad neighbourhood centre",
              agenda=(
                  "وضعیت کتاب‌خوانی خانواده‌ها در محله‌های کم‌برخوردار",
                  "قصه‌گویی پدربزرگ‌ها و مادربزرگ‌ها برای یادگیری بین‌نسلی",
                  "جذب داوطلبان محله برای حلقه‌های کتاب‌خوانی",
              ),
              notes=(
                  "کانون پرورش فکری گزارش داد که در چند محله هیچ کتابخانهٔ کودک در دسترس نیست.",
                  "کتابخانهٔ شهید مطهری اجرای برنامهٔ قصه‌گویی را با حضور سالمندان محله پذیرفت.",
                  "سرای محلهٔ فیض‌آباد فهرست بیست داوطلب آماده به کار را ارائه کرد.",
              ),
              decisions=(
                  D("در هر سرای محله یک حلقهٔ کتاب‌خوانی خانوادگی ماهانه با همکاری کانون پرورش فکری برپا "
                    "شود.", 0,
                    (T("برپایی حلقه‌های ماهانهٔ کتاب‌خوانی خانوادگی در سراهای محله", "kanoon-kermanshah", 10,
                       IN_PROGRESS, 60, "چهارده سرای محله حلقهٔ خود را برپا کرده‌اند."),)),
                  D("کتابخانهٔ شهید مطهری برنامهٔ قصه‌گویی بین‌نسلی را با حضور سالمندان محله اجرا کند.", 1,
                    (T("برنامهٔ قصه‌گویی بین‌نسلی در کتابخانهٔ شهید مطهری",
                       "shahid-motahari-public-library-kermanshah", -25, DONE, 100,
                       "شش جلسهٔ قصه‌گویی با حضور ۱۸۰ کودک و ۲۴ سالمند برگزار شد."),)),
              )),
            M(-15, "نشست دوم: فرزندپروری و خانواده‌های دارای فرزند با نیازهای ویژه",
              "Second meeting: parenting, and families of children with special needs",
              "مدرسهٔ استثنایی باغچه‌بان کرمانشاه", "Baghcheban Exceptional School",
              agenda=(
                  "گزارش حلقه‌های کتاب‌خوانی خانوادگی",
                  "کارگاه‌های فرزندپروری برای والدین کودکان با نیازهای ویژه",
                  "سامانهٔ ثبت‌نام داوطلبان محله",
              ),
              notes=(
                  "چهارده سرای محله حلقهٔ کتاب‌خوانی دارند و میانگین حضور هر حلقه بیست خانواده است.",
                  "مدرسهٔ باغچه‌بان سه کارگاه با حضور روان‌شناس و مربی گفتاردرمانی پیشنهاد کرد.",
                  "اعضا بر ثبت داوطلبان در سامانهٔ شهر یادگیرنده به جای فهرست‌های کاغذی تأکید کردند.",
              ),
              decisions=(
                  D("مدرسهٔ استثنایی باغچه‌بان سه کارگاه فرزندپروری برای والدین کودکان با نیازهای ویژه برگزار "
                    "کند.", 1,
                    (T("سه کارگاه فرزندپروری برای والدین کودکان با نیازهای ویژه",
                       "baghcheban-exceptional-school-kermanshah", 30),)),
                  D("ثبت‌نام داوطلبان محله در سامانهٔ شهر یادگیرنده با همکاری سرای محلهٔ فیض‌آباد راه‌اندازی "
                    "شود.", 2,
                    (T("راه‌اندازی ثبت‌نام داوطلبان محله در سامانه", "working_group", 45, BLOCKED, 15,
                       "در انتظار دسترسی به سامانهٔ ثبت‌نام شهرداری."),)),
                  D("انجمن ترویج کتاب‌خوانی کودکان فهرست کتاب‌های پیشنهادی برای خانواده‌ها را به‌روز کند.", 0,
                    (T("به‌روزرسانی فهرست کتاب‌های پیشنهادی برای خانواده‌ها",
                       "partner:kermanshah-childrens-reading-promotion-association", -2, IN_PROGRESS, 80),)),
              )),
            M(20, "نشست سوم: برنامهٔ داوطلبی نوجوانان", "Third meeting: volunteering for teenagers",
              "سرای محلهٔ فیض‌آباد", "Faizabad neighbourhood centre",
              agenda=(
                  "گزارش کارگاه‌های فرزندپروری",
                  "برنامهٔ داوطلبی نوجوانان در تابستان",
                  "جشن کتاب‌خوانی خانوادگی",
              )),
        ),
    ),
    GroupSpec(
        slug="monitoring-evaluation",
        name_fa="کارگروه پایش و ارزشیابی",
        name_en="Monitoring and evaluation",
        mandate_fa=(
            "پایش پیشرفت برنامهٔ عمل شهر یادگیرنده و شاخص‌های ویژگی‌های کلیدی شهرهای یادگیرندهٔ یونسکو: "
            "گردآوری و بررسی داده‌های شریکان، گزارش دوره‌ای به شورای اسلامی شهر و کمیسیون ملی یونسکو، و "
            "پیشنهاد اصلاح برنامه‌ها بر پایهٔ شواهد."
        ),
        mandate_en=(
            "Monitor the progress of the learning-city action plan and UNESCO's key features of learning cities: "
            "collect and check partners' data, report regularly to the city council and Iran's National "
            "Commission for UNESCO, and propose evidence-based corrections to the programmes."
        ),
        domains=(),
        key_features=("2.5", "3.1", "3.2", "3.3"),
        visibility=Visibility.MEMBERS,
        seats=(
            S("islamic-azad-university-kermanshah", CHAIR),
            S(MUNICIPALITY, SECRETARY, account="secretariat"),
            S("kermanshah-province-general-directorate-of-education"),
            S("kermanshah-public-libraries-directorate"),
            S("kums-social-development-health-promotion-research-centre"),
            S("payame-noor-university-kermanshah"),
        ),
        hour=10,
        meetings=(
            M(-70, "نشست نخست: چارچوب پایش برنامهٔ عمل", "First meeting: how the action plan will be monitored",
              "دبیرخانهٔ شهر یادگیرنده، سازمان فرهنگی، اجتماعی و ورزشی شهرداری کرمانشاه",
              "Learning-city secretariat, Kermanshah Municipality",
              agenda=(
                  "چارچوب شاخص‌های پایش برنامهٔ عمل",
                  "زمان‌بندی گزارش‌دهی کارگروه‌ها",
                  "پیمایش مشارکت شهروندان در یادگیری",
              ),
              notes=(
                  "چارچوب شاخص‌ها بر پایهٔ ویژگی‌های کلیدی یونسکو بررسی و با اصلاحاتی پذیرفته شد.",
                  "مقرر شد کارگروه‌ها پیشرفت نتایج خود را هر فصل در سامانه ثبت کنند.",
                  "دانشگاه آزاد اسلامی طراحی نمونه‌گیری پیمایش را بر عهده گرفت.",
              ),
              decisions=(
                  D("هر کارگروه پیشرفت نتایج برنامهٔ عمل خود را تا پایان هر فصل در سامانهٔ شهر یادگیرنده ثبت "
                    "کند.", 1,
                    (T("پیگیری ثبت فصلی پیشرفت نتایج از سوی کارگروه‌ها", "secretariat", 25, IN_PROGRESS, 50,
                       "پنج کارگروه از هفت کارگروه گزارش فصل را ثبت کرده‌اند."),)),
                  D("دانشگاه آزاد اسلامی روش نمونه‌گیری پیمایش مشارکت شهروندان در یادگیری را طراحی کند.", 2,
                    (T("طراحی نمونه‌گیری پیمایش مشارکت شهروندان", "islamic-azad-university-kermanshah", -18, DONE,
                       100, "روش نمونه‌گیری خوشه‌ای در هشت منطقه تأیید شد."),)),
              )),
            M(-8, "نشست دوم: گزارش میان‌دوره‌ای پیشرفت", "Second meeting: the mid-year progress report",
              "دبیرخانهٔ شهر یادگیرنده، سازمان فرهنگی، اجتماعی و ورزشی شهرداری کرمانشاه",
              "Learning-city secretariat, Kermanshah Municipality",
              agenda=(
                  "مرور پیشرفت نتایج برنامهٔ عمل",
                  "نتایج در معرض خطر و راهکارها",
                  "گزارش میان‌دوره‌ای برای شورای اسلامی شهر",
              ),
              notes=(
                  "بیشتر نتایج در مسیر برنامه‌اند؛ حلقه‌های سالمندی فعال و نشست‌های هم‌اندیشی محله‌ای عقب‌اند.",
                  "پیشنهاد شد کارگروه سلامت برای حلقه‌های سالمندی فعال از داوطلبان بازنشسته کمک بگیرد.",
                  "دبیرخانه تهیهٔ گزارش میان‌دوره‌ای را بر عهده گرفت.",
              ),
              decisions=(
                  D("گزارش میان‌دوره‌ای پیشرفت برنامهٔ عمل تهیه و به شورای اسلامی شهر کرمانشاه ارائه شود.", 2,
                    (T("تهیهٔ گزارش میان‌دوره‌ای برای شورای اسلامی شهر", "secretariat", 30),)),
                  D("مرکز تحقیقات توسعهٔ اجتماعی و ارتقای سلامت پیمایش مشارکت شهروندان را در هشت منطقه اجرا "
                    "کند.", 0,
                    (T("اجرای پیمایش مشارکت شهروندان در هشت منطقه",
                       "kums-social-development-health-promotion-research-centre", 50, IN_PROGRESS, 10),)),
              )),
            M(10, "نشست سوم: جمع‌بندی گزارش میان‌دوره‌ای", "Third meeting: finishing the mid-year report",
              "دبیرخانهٔ شهر یادگیرنده، سازمان فرهنگی، اجتماعی و ورزشی شهرداری کرمانشاه",
              "Learning-city secretariat, Kermanshah Municipality",
              agenda=(
                  "پیش‌نویس گزارش میان‌دوره‌ای",
                  "نخستین یافته‌های پیمایش مشارکت شهروندان",
                  "آماده‌سازی گزارش سالانه برای کمیسیون ملی یونسکو",
              )),
        ),
    ),
)


# --- The action plan ------------------------------------------------------------------------------

@dataclass(frozen=True)
class UpdateSpec:
    status: str
    progress: int
    value: int | None
    note: str = ""


@dataclass(frozen=True)
class ResultSpec:
    code: str
    title_fa: str
    title_en: str
    unit_fa: str
    unit_en: str
    target: int
    baseline: int | None = None
    updates: tuple[UpdateSpec, ...] = ()


@dataclass(frozen=True)
class BudgetSpec:
    title_fa: str
    title_en: str
    source_fa: str
    source_en: str
    planned: int
    spent: int


@dataclass(frozen=True)
class ObjectiveSpec:
    area: str
    code: str
    group: str  # the responsible group's short name
    title_fa: str
    title_en: str
    description_fa: str
    description_en: str
    results: tuple[ResultSpec, ...]
    budget: tuple[BudgetSpec, ...]
    programmes: tuple[str, ...] = ()  # learning domains whose demo programmes the objective links


R, U, B = ResultSpec, UpdateSpec, BudgetSpec
ON, RISK, OFF, ACHIEVED = "on_track", "at_risk", "off_track", "achieved"
PEOPLE = ("نفر", "people")
MUNICIPALITY_FA, MUNICIPALITY_EN = "شهرداری کرمانشاه", "Kermanshah Municipality"

OBJECTIVES: tuple[ObjectiveSpec, ...] = (
    ObjectiveSpec(
        "2.1", "O2.1-1", "literacy-basic-skills",
        "کاهش کم‌سوادی بزرگسالان در محله‌های کم‌برخوردار",
        "Fewer adults with low literacy in underserved neighbourhoods",
        "کلاس‌های سوادآموزی نزدیک خانهٔ فراگیران، در مدرسه‌های شبانه و سراهای محله، همراه با سواد مالی و "
        "کار با خدمات الکترونیک.",
        "Literacy classes close to learners' homes, in evening schools and neighbourhood centres, with "
        "financial literacy and e-services.",
        results=(
            R("R2.1-1", "۱٬۲۰۰ بزرگسال در کلاس‌های سوادآموزی ثبت‌نام کنند", "1,200 adults enrol in literacy classes",
              *PEOPLE, 1200, 430, (
                  U(ON, 25, 620, "ثبت‌نام کلاس‌های منطقه‌های ۱ تا ۴ انجام شد."),
                  U(ON, 48, 810, "کلاس‌های تازه در منطقه‌های ۵ و ۷ آغاز شد."),
                  U(ON, 61, 905, "ثبت‌نام نیم‌سال دوم در جریان است."),
              )),
            R("R2.1-2", "کلاس سوادآموزی فعال در هر هشت منطقهٔ شهر", "An active literacy class in each of the eight "
              "districts", "منطقه", "districts", 8, 3, (
                  U(RISK, 40, 5, "منطقه‌های ۶، ۷ و ۸ هنوز مکان مناسب ندارند."),
                  U(RISK, 50, 6, "کلاس منطقهٔ ۷ در سرای محله آغاز شد."),
              )),
            R("R2.1-3", "۳۰۰ نوسواد دورهٔ «سواد برای زندگی» را به پایان برسانند",
              "300 new readers complete the 'literacy for life' course", *PEOPLE, 300),
        ),
        budget=(
            B("کلاس‌های سوادآموزی بزرگسالان", "Adult literacy classes", "اداره کل نهضت سوادآموزی استان",
              "Kermanshah Literacy Movement", 4_800_000_000, 2_150_000_000),
            B("کتاب‌های ساده‌خوان برای نوسوادان", "Easy readers for new readers", "اداره کل کتابخانه‌های عمومی "
              "استان", "Kermanshah Public Libraries", 900_000_000, 310_000_000),
        ),
        programmes=("literacy-adult-basic",),
    ),
    ObjectiveSpec(
        "2.2", "O2.2-1", "families-communities",
        "یادگیری خانوادگی در همهٔ سراهای محله",
        "Family learning in every neighbourhood centre",
        "حلقه‌های کتاب‌خوانی و قصه‌گویی خانوادگی و کارگاه‌های فرزندپروری در سراهای محله و کتابخانه‌ها.",
        "Family reading and story circles and parenting workshops in neighbourhood centres and libraries.",
        results=(
            R("R2.2-1", "حلقهٔ کتاب‌خوانی خانوادگی ماهانه در ۲۴ سرای محله", "A monthly family reading circle in "
              "24 neighbourhood centres", "سرای محله", "centres", 24, 4, (
                  U(ON, 30, 9, "نُه سرای محله حلقهٔ خود را برپا کردند."),
                  U(ON, 55, 14, "چهارده حلقه فعال است."),
              )),
            R("R2.2-2", "۸۰۰ خانواده در برنامه‌های یادگیری خانوادگی شرکت کنند", "800 families take part in family "
              "learning", "خانواده", "families", 800, 150, (
                  U(ON, 35, 380, ""),
                  U(RISK, 45, 450, "حضور خانواده‌ها در ماه‌های گرم کاهش یافت."),
              )),
        ),
        budget=(
            B("حلقه‌های کتاب‌خوانی و قصه‌گویی", "Reading and story circles", "سازمان فرهنگی، اجتماعی و ورزشی "
              "شهرداری", "Municipality Cultural, Social and Sports Organization", 1_500_000_000, 620_000_000),
        ),
        programmes=("family-reading-together", "family-parenting"),
    ),
    ObjectiveSpec(
        "2.2", "O2.2-2", "health-wellbeing",
        "آموزش همگانی سلامت و کمک‌های اولیه در محله‌ها",
        "Public health and first-aid learning in the neighbourhoods",
        "دوره‌های رایگان کمک‌های اولیه، کارگاه‌های سلامت روان و حلقه‌های سالمندی فعال.",
        "Free first-aid courses, mental well-being workshops and active-ageing circles.",
        results=(
            R("R2.2-3", "۲٬۵۰۰ شهروند دورهٔ کمک‌های اولیه را بگذرانند", "2,500 citizens complete a first-aid course",
              *PEOPLE, 2500, 600, (
                  U(ON, 30, 1150, "دوره‌های منطقه‌های ۱ و ۲ به پایان رسید."),
                  U(ON, 52, 1590, ""),
                  U(ON, 64, 1810, "دوره‌های منطقه‌های ۳ و ۴ به پایان رسید."),
              )),
            R("R2.2-4", "۱۲ حلقهٔ «سالمندی فعال» در کتابخانه‌ها و سراهای محله", "12 active-ageing circles in "
              "libraries and neighbourhood centres", "حلقه", "circles", 12, 0, (
                  U(OFF, 10, 1, "نبود مربی آموزش‌دیده مانع اصلی است."),
                  U(OFF, 17, 2, "حلقهٔ دوم در کتابخانهٔ شهید مطهری آغاز شد."),
              )),
        ),
        budget=(
            B("دوره‌های رایگان کمک‌های اولیه", "Free first-aid courses", "جمعیت هلال احمر استان کرمانشاه",
              "Red Crescent, Kermanshah", 1_200_000_000, 700_000_000),
        ),
        programmes=("health-first-aid", "health-active-ageing", "health-mental-wellbeing"),
    ),
    ObjectiveSpec(
        "2.3", "O2.3-1", "entrepreneurship-job-skills",
        "مهارت‌آموزی شغلی برای جوانان و زنان سرپرست خانوار",
        "Job skills for young people and women heads of household",
        "دوره‌های مهارتی با گواهی معتبر، مشاورهٔ راه‌اندازی کسب‌وکار و نمایشگاه مشاغل خانگی.",
        "Certified skills courses, advice on starting a business, and a home-business fair.",
        results=(
            R("R2.3-1", "۶۰۰ زن سرپرست خانوار دورهٔ مهارتی با گواهی معتبر را به پایان برسانند",
              "600 women heads of household complete a certified skills course", *PEOPLE, 600, 120, (
                  U(ON, 40, 310, ""),
                  U(ON, 58, 400, "دو دورهٔ مرکز آموزش فنی و حرفه‌ای خواهران به پایان رسید."),
              )),
            R("R2.3-2", "۱۵۰ جوان از مشاورهٔ راه‌اندازی کسب‌وکار بهره‌مند شوند",
              "150 young people get advice on starting a business", *PEOPLE, 150, 0, (
                  U(RISK, 20, 30, "جلسه‌های مشاوره دیر آغاز شد."),
              )),
            R("R2.3-3", "نمایشگاه مشاغل خانگی با ۳۰ کسب‌وکار", "A home-business fair with 30 businesses",
              "کسب‌وکار", "businesses", 30, 0, (
                  U(ON, 50, 18, "هجده کسب‌وکار ثبت‌نام کرده‌اند."),
              )),
        ),
        budget=(
            B("دوره‌های مهارتی زنان سرپرست خانوار", "Skills courses for women heads of household",
              "اداره کل آموزش فنی و حرفه‌ای استان", "Kermanshah Technical and Vocational Training",
              3_000_000_000, 1_650_000_000),
            B("نمایشگاه مشاغل خانگی", "Home-business fair", MUNICIPALITY_FA, MUNICIPALITY_EN, 450_000_000, 0),
        ),
        programmes=("job-skills-technical-vocational", "job-skills-career-guidance", "entrepreneurship-home-based"),
    ),
    ObjectiveSpec(
        "2.4", "O2.4-1", "media-digital-literacy",
        "سواد رسانه‌ای و دیجیتال برای همهٔ نسل‌ها",
        "Media and digital literacy for every generation",
        "کارگاه‌های سواد رسانه‌ای برای والدین، ایمنی در فضای مجازی برای نوجوانان و کمک به سالمندان در کار با "
        "خدمات الکترونیک.",
        "Media-literacy workshops for parents, online safety for teenagers, and help for older people with "
        "e-services.",
        results=(
            R("R2.4-1", "۱٬۰۰۰ والد در کارگاه‌های سواد رسانه‌ای شرکت کنند", "1,000 parents attend media-literacy "
              "workshops", *PEOPLE, 1000, 0, (
                  U(ON, 22, 220, ""),
                  U(ON, 46, 460, "چهار کارگاه دانشگاه رازی برگزار شد."),
                  U(ON, 58, 580, ""),
              )),
            R("R2.4-2", "میز «پرسش دیجیتال» در ۶ کتابخانهٔ عمومی", "A 'digital questions' desk in 6 public "
              "libraries", "کتابخانه", "libraries", 6, 0, (
                  U(RISK, 17, 1, "میز کتابخانهٔ مرکزی فعال شد."),
                  U(RISK, 33, 2, "داوطلبان دانشجو برای کتابخانه‌های دیگر کم است."),
              )),
            R("R2.4-3", "۲۰ دبیرستان بستهٔ «ایمنی در فضای مجازی» را اجرا کنند", "20 high schools run the online "
              "safety course", "دبیرستان", "high schools", 20, 0, (
                  U("not_started", 0, 0, "بسته در دست تدوین است."),
                  U(ON, 10, 2, "اجرای آزمایشی در دبیرستان فرزانگان آغاز شد."),
              )),
        ),
        budget=(
            B("کارگاه‌های سواد رسانه‌ای والدین", "Media-literacy workshops for parents", "دانشگاه رازی",
              "Razi University", 800_000_000, 420_000_000),
            B("تجهیز میزهای پرسش دیجیتال", "Digital questions desks", "اداره کل کتابخانه‌های عمومی استان",
              "Kermanshah Public Libraries", 1_100_000_000, 250_000_000),
        ),
        programmes=("literacy-media", "digital-online-safety", "digital-e-services"),
    ),
    ObjectiveSpec(
        "2.5", "O2.5-1", "monitoring-evaluation",
        "کیفیت برنامه‌های یادگیری شریکان",
        "Quality in the partners' learning programmes",
        "پیمایش رضایت شرکت‌کنندگان و گزارش کیفیت سالانهٔ شریکان تأییدشده.",
        "Participant satisfaction surveys and a yearly quality report from every accredited partner.",
        results=(
            R("R2.5-1", "۹۰٪ برنامه‌ها امتیاز رضایت دست‌کم ۴ از ۵ بگیرند", "90% of programmes rated at least 4 out "
              "of 5", "درصد", "per cent", 90, 72, (
                  U(ON, 55, 81, ""),
                  U(ON, 70, 84, "امتیازهای فصل تابستان ثبت شد."),
              )),
            R("R2.5-2", "۳۰ شریک تأییدشده گزارش کیفیت سالانه بدهند", "30 accredited partners send a yearly quality "
              "report", "شریک", "partners", 30, 0, (
                  U(RISK, 20, 6, ""),
                  U(RISK, 30, 9, "قالب گزارش برای شریکان کوچک ساده‌تر می‌شود."),
              )),
        ),
        budget=(
            B("پیمایش رضایت شرکت‌کنندگان", "Participant satisfaction survey", "دبیرخانهٔ شهر یادگیرنده",
              "Learning-city secretariat", 350_000_000, 120_000_000),
        ),
    ),
    ObjectiveSpec(
        "2.6", "O2.6-1", "literacy-basic-skills",
        "جشنوارهٔ یادگیری و فرهنگ کتاب‌خوانی شهر",
        "A city learning festival and a culture of reading",
        "جشنوارهٔ «کرمانشاه می‌آموزد» با برنامه‌های شریکان در میدان‌ها، پارک‌ها و کتابخانه‌های شهر.",
        "The 'Kermanshah learns' festival, with partners' events in squares, parks and libraries.",
        results=(
            R("R2.6-1", "جشنوارهٔ «کرمانشاه می‌آموزد» با ۴۰ شریک", "The 'Kermanshah learns' festival with "
              "40 partners", "شریک", "partners", 40, 0, (
                  U(ON, 30, 12, ""),
                  U(ON, 45, 18, "فراخوان مشارکت شریکان منتشر شد."),
              )),
            R("R2.6-2", "۵۰ هزار بازدید از برنامه‌های جشنواره", "50,000 visits to the festival's events",
              "بازدید", "visits", 50000),
        ),
        budget=(
            B("جشنوارهٔ «کرمانشاه می‌آموزد»", "'Kermanshah learns' festival", MUNICIPALITY_FA, MUNICIPALITY_EN,
              2_500_000_000, 300_000_000),
        ),
        programmes=("arts-literature-writing", "family-reading-together"),
    ),
    ObjectiveSpec(
        "2.6", "O2.6-2", "environment-sustainability",
        "یادگیری در طبیعت و فضاهای عمومی شهر",
        "Learning in nature and the city's public spaces",
        "مدرسه‌های دوستدار آب و پیاده‌روی‌های آموزشی طبیعت برای خانواده‌ها.",
        "Water-friendly schools and nature walks for families.",
        results=(
            R("R2.6-3", "۲۰ مدرسهٔ دوستدار آب", "20 water-friendly schools", "مدرسه", "schools", 20, 0, (
                U(ON, 35, 7, ""),
                U(ACHIEVED, 100, 20, "طرح در هر بیست مدرسه اجرا شد."),
            )),
            R("R2.6-4", "۱۲ پیاده‌روی آموزشی طبیعت برای خانواده‌ها", "12 nature walks for families",
              "پیاده‌روی", "walks", 12, 0, (
                  U(ON, 33, 4, ""),
                  U(ON, 50, 6, "پیاده‌روی دامنهٔ کوه پراو با ۹۰ شرکت‌کننده برگزار شد."),
              )),
        ),
        budget=(
            B("طرح مدرسه‌های دوستدار آب", "Water-friendly schools", "شرکت آب و فاضلاب استان کرمانشاه",
              "Kermanshah Water and Wastewater Company", 600_000_000, 640_000_000),
            B("پیاده‌روی‌های آموزشی طبیعت", "Nature walks", "انجمن دوستداران محیط زیست زاگرس",
              "Zagros Environment Friends Association", 150_000_000, 70_000_000),
        ),
        programmes=("environment-water-conservation", "environment-urban-nature"),
    ),
    ObjectiveSpec(
        "3.1", "O3.1-1", "monitoring-evaluation",
        "تعهد سیاسی پایدار به شهر یادگیرنده",
        "A lasting political commitment to the learning city",
        "جای دادن شهر یادگیرنده در برنامهٔ پنج‌سالهٔ شهرداری و گزارش منظم به شورای شهر.",
        "The learning city in the municipality's five-year plan, and regular reports to the city council.",
        results=(
            R("R3.1-1", "مصوبهٔ شورای شهر برای جای دادن شهر یادگیرنده در برنامهٔ پنج‌سالهٔ شهرداری",
              "A city-council resolution putting the learning city in the municipality's five-year plan",
              "مصوبه", "resolution", 1, 0, (
                  U(ON, 50, 0, "لایحه به کمیسیون فرهنگی شورا رفت."),
                  U(ACHIEVED, 100, 1, "شورای اسلامی شهر لایحه را تصویب کرد."),
              )),
            R("R3.1-2", "دو گزارش پیشرفت به شورای شهر و کمیسیون ملی یونسکو", "Two progress reports to the city "
              "council and the National Commission for UNESCO", "گزارش", "reports", 2, 0, (
                  U(ON, 50, 1, "گزارش نخست به شورای شهر ارائه شد."),
              )),
        ),
        budget=(
            B("دبیرخانهٔ شهر یادگیرنده", "Learning-city secretariat", MUNICIPALITY_FA, MUNICIPALITY_EN,
              1_800_000_000, 1_050_000_000),
        ),
    ),
    ObjectiveSpec(
        "3.2", "O3.2-1", "monitoring-evaluation",
        "مشارکت همهٔ ذی‌نفعان در کارگروه‌ها",
        "Every stakeholder takes part in the working groups",
        "عضویت نهادهای شریک در کارگروه‌های تخصصی و نشست‌های هم‌اندیشی با شهروندان در هر منطقه.",
        "Partner institutions sit in the working groups, and citizens are consulted in every district.",
        results=(
            R("R3.2-1", "۳۵ نهاد شریک در کارگروه‌های تخصصی عضو باشند", "35 partner institutions sit in the working "
              "groups", "نهاد", "institutions", 35, 12, (
                  U(ON, 60, 26, ""),
                  U(ON, 70, 28, "کارگروه محیط زیست دو عضو تازه پذیرفت."),
              )),
            R("R3.2-2", "۸ نشست هم‌اندیشی با شهروندان در هشت منطقه", "8 consultations with citizens, one in each "
              "district", "نشست", "meetings", 8, 0, (
                  U(OFF, 12, 1, "نشست‌ها به بعد از جشنواره موکول شد."),
              )),
        ),
        budget=(
            B("نشست‌های هم‌اندیشی محله‌ای", "Neighbourhood consultations", "سازمان فرهنگی، اجتماعی و ورزشی "
              "شهرداری", "Municipality Cultural, Social and Sports Organization", 400_000_000, 40_000_000),
        ),
    ),
    ObjectiveSpec(
        "3.3", "O3.3-1", "entrepreneurship-job-skills",
        "بسیج منابع شریکان و بخش خصوصی",
        "Mobilising the resources of partners and the private sector",
        "مشارکت مالی بخش خصوصی و در اختیار گذاشتن فضاهای آموزشی شریکان برای برنامه‌های شهر.",
        "Private-sector funding, and partners' learning spaces opened to the city's programmes.",
        results=(
            R("R3.3-1", "۱۰ میلیارد ریال مشارکت مالی بخش خصوصی", "10 billion rials of private-sector funding",
              "میلیون ریال", "million rials", 10000, 0, (
                  U(ON, 26, 2600, ""),
                  U(RISK, 32, 3200, "دو حامی مالی پرداخت را به سال آینده موکول کردند."),
              )),
            R("R3.3-2", "۱۵ فضای آموزشی شریکان به‌رایگان در اختیار برنامه‌های شهر", "15 partner learning spaces "
              "free for the city's programmes", "فضا", "spaces", 15, 5, (
                  U(ON, 50, 10, ""),
                  U(ON, 60, 11, "پارک علم و فناوری سالن همایش خود را در اختیار گذاشت."),
              )),
        ),
        budget=(
            B("جذب حامیان مالی", "Finding sponsors", "پارک علم و فناوری استان کرمانشاه",
              "Kermanshah Science and Technology Park", 200_000_000, 90_000_000),
        ),
    ),
)


# --- Loading ----------------------------------------------------------------------------------------

def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _account_user(accounts, key: str) -> User | None:
    account = next((account for account in accounts if account.key == key), None)
    if account is None:
        return None
    return User.objects.filter(mobile=account.mobile, is_active=True).first()


def _people(city: City, today: dt.date, clock: DemoClock, at: dt.datetime, result) -> list[tuple[User, str]]:
    """The synthetic adults who represent partners in the groups, with their sex (added the first time)."""
    with clock.at(at):
        # One entry of its own, so `demo.generate` keeps naming the synthetic learners only.
        generated = generate_citizens(city=city, count=PEOPLE_DRAWN, seed=PEOPLE_SEED, audit=False)
        if generated.created:
            audit_record(actor=None, label="demo", action="demo.group_people", city=city, changes=generated.changes)
            result.created["group_person"] += generated.created
    youngest, oldest = ADULT_AGES
    profiles = (
        CitizenProfile.objects.filter(
            city=city, user__is_active=True,
            user__mobile__gte=mobile_for(PEOPLE_SEED, 0), user__mobile__lte=mobile_for(PEOPLE_SEED, PEOPLE_DRAWN - 1),
            birth_year__gte=today.year - oldest, birth_year__lte=today.year - youngest,
        )
        .select_related("user").order_by("user__mobile")
    )
    return [(profile.user, profile.sex) for profile in profiles]


class _Cast:
    """Who is who: the demo accounts by key, and one synthetic person per partner they represent."""

    def __init__(self, people: list[tuple[User, str]], accounts) -> None:
        self._free = list(people)
        self._for_partner: dict[str, User] = {}
        self._accounts = accounts
        self._account_users: dict[str, User | None] = {}

    def account(self, key: str) -> User | None:
        if key not in self._account_users:
            self._account_users[key] = _account_user(self._accounts, key)
        return self._account_users[key]

    def for_partner(self, slug: str) -> User | None:
        if slug not in self._for_partner:
            women = slug in WOMEN_REPRESENT
            index = next((n for n, (_, sex) in enumerate(self._free) if not women or sex == Sex.FEMALE), None)
            if index is None:
                return None
            self._for_partner[slug] = self._free.pop(index)[0]
        return self._for_partner[slug]

    def for_seat(self, seat: SeatSpec) -> User | None:
        return (self.account(seat.account) if seat.account else None) or self.for_partner(seat.partner)


def _may_represent(institution: Institution | None) -> bool:
    return institution is not None and institution.is_active and institution.accreditation in PUBLIC_STATES


def load_workgroups(result, *, city: City, partners: dict[str, Institution], today: dt.date, clock: DemoClock,
                    accounts) -> None:
    """Add the working groups that are missing (with their seats, meetings, decisions and tasks) and, if the
    city has no action plan yet, the plan for the current Jalali year with its progress so far."""
    present = timezone.make_aware(dt.datetime.combine(today, dt.time.min)) - dt.timedelta(minutes=1)
    formed_on = today - dt.timedelta(days=FORMED_DAYS_AGO)
    secretariat = _account_user(accounts, "secretariat")
    existing = set(WorkingGroup.objects.filter(city=city).values_list("slug", flat=True))
    missing = [spec for spec in GROUPS if spec.slug not in existing]
    if missing:
        people = _people(city, today, clock, _local(formed_on, 8), result)
        cast = _Cast(people, accounts)
        for spec in missing:
            _load_group(result, spec, city=city, partners=partners, today=today, present=present,
                        formed_on=formed_on, clock=clock, cast=cast, secretariat=secretariat)
    if not ActionPlan.objects.filter(city=city).exists():
        _load_plan(result, city=city, today=today, present=present, clock=clock,
                   secretariat=secretariat if secretariat and can_manage_plan(secretariat, city) else None)


# --- A group, its meetings and tasks ------------------------------------------------------------------

@dataclass
class _Seated:
    group: WorkingGroup
    seats: dict[str, User]  # seat key (partner slug or account key) -> person
    chair: User
    secretary: User
    members: list[User]  # everyone seated, chair and secretary first
    others: list[User]  # the synthetic members (no chair, secretary or demo account): who misses a meeting


def _load_group(result, spec: GroupSpec, *, city, partners, today, present, formed_on, clock, cast, secretariat):
    domains = list(city.learning_domains.filter(slug__in=spec.domains, is_active=True)) if spec.domains else []
    with clock.at(_local(formed_on, 9)):
        group = group_create(
            city=city, actor=secretariat, slug=spec.slug, name_fa=spec.name_fa, name_en=spec.name_en,
            mandate_fa=spec.mandate_fa, mandate_en=spec.mandate_en, visibility=spec.visibility,
            key_features=spec.key_features, domains=domains,
        )
        result.created["working_group"] += 1
        seated = _seat_members(result, spec, group, partners=partners, formed_on=formed_on, cast=cast,
                               secretariat=secretariat)
    if seated is None:
        return
    for meeting in spec.meetings:
        if meeting.days < 0:
            _past_meeting(result, spec, meeting, seated, partners=partners, today=today, present=present,
                          clock=clock)
        else:
            _upcoming_meeting(result, spec, meeting, seated, present=present, clock=clock, today=today)


def _seat_members(result, spec: GroupSpec, group: WorkingGroup, *, partners, formed_on, cast,
                  secretariat) -> _Seated | None:
    seats: dict[str, User] = {}
    roles: dict[str, User] = {}
    taken: set[int] = set()
    for seat in spec.seats:
        institution = partners.get(seat.partner)
        person = cast.for_seat(seat)
        if person is None or person.pk in taken:
            result.skipped["group_seat"] += 1
            continue
        member_add(group=group, actor=secretariat, user=person, role=seat.role, joined_on=formed_on, notify=False,
                   institution=institution if _may_represent(institution) else None)
        taken.add(person.pk)
        seats[seat.key] = person
        roles.setdefault(seat.role, person)
        result.created["group_seat"] += 1
    chair, secretary = roles.get(GroupRole.CHAIR), roles.get(GroupRole.SECRETARY)
    if chair is None or secretary is None:
        result.skipped["group_meeting"] += len(spec.meetings)
        return None
    members = [chair, secretary, *(person for person in seats.values() if person.pk not in {chair.pk, secretary.pk})]
    demo_people = {person.pk for key, person in seats.items() if any(seat.account == key for seat in spec.seats)}
    others = [person for person in members[2:] if person.pk not in demo_people]
    return _Seated(group=group, seats=seats, chair=chair, secretary=secretary, members=members, others=others)


def _schedule(result, spec: GroupSpec, meeting: MeetingSpec, seated: _Seated, *, today, present, clock) -> Meeting:
    starts_at = _local(today + dt.timedelta(days=meeting.days), spec.hour)
    with clock.at(min(starts_at - SCHEDULED_AHEAD, present)):
        scheduled = meeting_schedule(
            group=seated.group, actor=seated.secretary, title_fa=meeting.title_fa, title_en=meeting.title_en,
            starts_at=starts_at, ends_at=starts_at + MEETING_LENGTH, place_fa=meeting.place_fa,
            place_en=meeting.place_en, agenda=meeting.agenda, invite=True,
        )
    result.created["meeting"] += 1
    result.created["agenda_item"] += len(meeting.agenda)
    return scheduled


def _minutes(spec: GroupSpec, meeting: MeetingSpec, seated: _Seated, present_count: int) -> str:
    opening = (
        f"«{meeting.title_fa}» در {meeting.place_fa} با حضور {persian_digits(present_count)} نفر از اعضای "
        f"{spec.name_fa} و به ریاست {seated.chair.name} برگزار شد. دبیر کارگروه، {seated.secretary.name}، "
        "دستور جلسه را خواند و نشست به ترتیب زیر پیش رفت."
    )
    items = [
        f"{persian_digits(number)}. {item}\n{note}"
        for number, (item, note) in enumerate(zip(meeting.agenda, meeting.notes, strict=False), start=1)
    ]
    closing = "مصوبه‌های نشست با شمارهٔ هر مصوبه در همین صفحه آمده‌اند و اقدام‌های هر مصوبه در فهرست اقدام‌ها."
    return "\n\n".join([opening, *items, closing])


def _past_meeting(result, spec: GroupSpec, meeting: MeetingSpec, seated: _Seated, *, partners, today, present,
                  clock) -> None:
    scheduled = _schedule(result, spec, meeting, seated, today=today, present=present, clock=clock)
    # Everyone comes, except one member who sends apologies to the second meeting and one absent from the first.
    others = seated.others
    marks = {person: AttendanceStatus.PRESENT for person in seated.members}
    if others:
        marks[others[-1]] = AttendanceStatus.ABSENT if meeting.days < -60 else AttendanceStatus.EXCUSED
    present_count = sum(1 for mark in marks.values() if mark == AttendanceStatus.PRESENT)
    ended = scheduled.ends_at + dt.timedelta(minutes=30)
    items = list(scheduled.agenda_items.order_by("position"))
    with clock.at(min(ended, present)):
        meeting_mark_held(meeting=scheduled, actor=seated.secretary)
        attendance_record(meeting=scheduled, actor=seated.secretary, marks=marks)
        minutes_save(meeting=scheduled, actor=seated.secretary,
                     text=_minutes(spec, meeting, seated, present_count))
        decisions = []
        for decision in meeting.decisions:
            item = items[decision.item] if decision.item < len(items) else None
            recorded = decision_record(meeting=scheduled, actor=seated.secretary, text=decision.text,
                                       agenda_item=item)
            decisions.append((decision, recorded))
            result.created["decision"] += 1
    with clock.at(min(scheduled.starts_at + APPROVED_AFTER, present)):
        minutes_approve(meeting=scheduled, actor=seated.chair)
    for decision, recorded in decisions:
        for task in decision.tasks:
            _task(result, task, recorded, seated, partners=partners, today=today, present=present, clock=clock,
                  created_at=min(ended + dt.timedelta(hours=1), present))


def _upcoming_meeting(result, spec: GroupSpec, meeting: MeetingSpec, seated: _Seated, *, present, clock,
                      today) -> None:
    scheduled = _schedule(result, spec, meeting, seated, today=today, present=present, clock=clock)
    others = seated.others
    if others:
        # One member has already sent apologies.
        with clock.at(present):
            attendance_record(meeting=scheduled, actor=seated.secretary,
                              marks={others[0]: AttendanceStatus.EXCUSED})


def _owner(task: TaskSpec, seated: _Seated, partners):
    if task.owner.startswith("partner:"):
        institution = partners.get(task.owner.removeprefix("partner:"))
        if institution is not None and institution.is_active:
            return institution, seated.secretary
        return seated.secretary, seated.secretary
    person = seated.seats.get(task.owner) or seated.secretary
    return person, person


def _task(result, spec: TaskSpec, decision, seated: _Seated, *, partners, today, present, clock,
          created_at: dt.datetime) -> None:
    owner, reporter = _owner(spec, seated, partners)
    meeting_day = timezone.localdate(decision.meeting.starts_at)
    deadline = max(today + dt.timedelta(days=spec.deadline), meeting_day)
    with clock.at(created_at):
        task = task_create(group=seated.group, actor=seated.secretary, title=spec.title, owner=owner,
                           deadline=deadline, decision=decision)
    result.created["task"] += 1
    if spec.state == TaskStatus.NOT_STARTED:
        return
    span = present - created_at
    first, second = created_at + span * 0.35, created_at + span * 0.75
    steps: list[tuple[dt.datetime, dict]] = []
    if spec.state == IN_PROGRESS:
        steps = [(first, {"progress": max(5, spec.progress // 2)}),
                 (second, {"progress": spec.progress, "comment": spec.comment})]
    elif spec.state == BLOCKED:
        steps = [(first, {"progress": spec.progress}),
                 (second, {"status": BLOCKED, "comment": spec.comment})]
    elif spec.state == DONE:
        steps = [(first, {"progress": 50}), (second, {"status": DONE, "comment": spec.comment})]
    for moment, change in steps:
        with clock.at(moment):
            task_progress(task=task, actor=reporter, **change)
        result.created["task_update"] += 1


# --- The action plan ------------------------------------------------------------------------------------

def _report_days(start: dt.date, end: dt.date, count: int, shift: int) -> list[dt.date]:
    """`count` dates spread over [start, end], later ones later; `shift` staggers results a little."""
    span = max((end - start).days, 0)
    fractions = {1: (0.7,), 2: (0.45, 0.85), 3: (0.3, 0.6, 0.9)}.get(count) or tuple(
        (n + 1) / (count + 1) for n in range(count))
    days = [start + dt.timedelta(days=min(span, max(0, round(span * f) - shift))) for f in fractions]
    return sorted(days)


def _load_plan(result, *, city: City, today: dt.date, present: dt.datetime, clock: DemoClock, secretariat) -> None:
    # The year of the demo's present (the last minute before today), so the plan never starts after it.
    year = jalali_year_of(present.date())
    starts = plan_year_starts(year)
    # Published once the groups it names had met (or early in the year, for groups formed the year before).
    formed_on = today - dt.timedelta(days=FORMED_DAYS_AGO)
    published_on = min(max(starts + dt.timedelta(days=PLAN_PUBLISHED_DAY), formed_on + PLAN_AFTER_GROUPS),
                       present.date())
    groups = {group.slug: group for group in WorkingGroup.objects.filter(city=city)}
    reporters = _reporters(groups)
    with clock.at(min(_local(published_on, 9), present)):
        plan = plan_create(
            city=city, actor=secretariat, year=year,
            title_fa=f"برنامهٔ عمل شهر یادگیرندهٔ کرمانشاه {persian_digits(year)}",
            title_en=f"Kermanshah learning-city action plan {year}",
            summary_fa=(
                "نخستین برنامهٔ عمل سالانهٔ کرمانشاه پس از پیوستن به شبکهٔ جهانی شهرهای یادگیرندهٔ یونسکو. "
                "هدف‌های برنامه زیر شش رکن سازنده و سه شرط بنیادین چارچوب ویژگی‌های کلیدی شهرهای یادگیرنده "
                "آمده‌اند و هر هدف کارگروه مسئول، نتایج سنجش‌پذیر و بودجهٔ خود را دارد. پیشرفت هر نتیجه با "
                "تاریخ و مستندات در همین صفحه ثبت می‌شود."
            ),
            summary_en=(
                "Kermanshah's first yearly action plan since joining UNESCO's Global Network of Learning Cities. "
                "Its objectives sit under the six building blocks and three fundamental conditions of the Key "
                "Features of Learning Cities; each has a responsible working group, measurable results and its "
                "own budget. Progress on every result is recorded here with its date and evidence."
            ),
        )
        result.created["action_plan"] += 1
        pending: list[tuple] = []
        for index, spec in enumerate(OBJECTIVES):
            group = groups.get(spec.group)
            objective = objective_create(
                plan=plan, actor=secretariat, area=spec.area, code=spec.code, title_fa=spec.title_fa,
                title_en=spec.title_en, description_fa=spec.description_fa, description_en=spec.description_en,
                working_group=group, programmes=_programmes(city, spec.programmes),
            )
            result.created["plan_objective"] += 1
            for line in spec.budget:
                budget_line_add(objective=objective, actor=secretariat, title_fa=line.title_fa,
                                title_en=line.title_en, source_fa=line.source_fa, source_en=line.source_en,
                                planned_rials=line.planned, spent_rials=line.spent)
                result.created["budget_line"] += 1
            for spec_result in spec.results:
                created = result_create(
                    objective=objective, actor=secretariat, code=spec_result.code, title_fa=spec_result.title_fa,
                    title_en=spec_result.title_en, unit_fa=spec_result.unit_fa, unit_en=spec_result.unit_en,
                    target_value=Decimal(spec_result.target),
                    baseline=None if spec_result.baseline is None else Decimal(spec_result.baseline),
                )
                result.created["plan_result"] += 1
                pending.append((created, spec_result, reporters.get(spec.group) or secretariat, index))
        plan_publish(plan=plan, actor=secretariat)
    last_day = present.date()
    # Read the results again: the ones in hand still see their plan as the draft it was.
    fresh = PlanResult.objects.select_related("objective__plan__city", "objective__working_group").in_bulk(
        [created.pk for created, *_ in pending])
    for created, spec_result, reporter, index in pending:
        created = fresh[created.pk]
        days = _report_days(published_on, last_day, len(spec_result.updates), shift=index % 5)
        for day, update in zip(days, spec_result.updates, strict=True):
            with clock.at(min(_local(day, 12), present)):
                result_report(result=created, actor=reporter, reported_on=day, status=update.status,
                              progress=update.progress, note=update.note,
                              value=None if update.value is None else Decimal(update.value))
            result.created["result_update"] += 1


def _reporters(groups: dict[str, WorkingGroup]) -> dict[str, User]:
    """The secretary of each group (who reports its results), or its chair."""
    seats = (GroupMember.objects.filter(group__in=groups.values(), left_on__isnull=True,
                                        role__in=[GroupRole.SECRETARY, GroupRole.CHAIR], user__is_active=True)
             .select_related("user", "group").order_by("group_id", "-role"))
    reporters: dict[str, User] = {}
    for seat in seats:
        # "secretary" sorts after "chair", so with -role the secretary comes first.
        reporters.setdefault(seat.group.slug, seat.user)
    return reporters


def _programmes(city: City, slugs: tuple[str, ...]) -> list[Programme]:
    """Up to three published demo programmes, taking the first of each learning domain in turn."""
    chosen: list[Programme] = []
    for slug in slugs * 3:
        if len(chosen) == 3:
            break
        programme = (Programme.objects.filter(city=city, status=ProgrammeStatus.PUBLISHED, domains__slug=slug)
                     .exclude(pk__in=[p.pk for p in chosen]).order_by("pk").first())
        if programme is not None:
            chosen.append(programme)
    return chosen
