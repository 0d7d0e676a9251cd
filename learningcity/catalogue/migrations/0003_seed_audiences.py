from django.db import migrations

AUDIENCES = [
    ("life_stage", "children", "کودکان", "Children"),
    ("life_stage", "teenagers", "نوجوانان", "Teenagers"),
    ("life_stage", "youth", "جوانان", "Youth"),
    ("life_stage", "adults", "بزرگسالان", "Adults"),
    ("life_stage", "seniors", "سالمندان", "Seniors"),
    ("target_group", "families", "خانواده‌ها", "Families"),
    ("target_group", "women", "زنان", "Women"),
    ("target_group", "people-with-disabilities", "افراد دارای معلولیت", "People with disabilities"),
    ("target_group", "job-seekers", "جویندگان کار", "Job seekers"),
    ("target_group", "migrants", "مهاجران", "Migrants"),
    ("target_group", "low-literacy-adults", "بزرگسالان کم‌سواد", "Adults with low literacy"),
    ("target_group", "out-of-school-children", "کودکان بازمانده از تحصیل", "Out-of-school children"),
    ("target_group", "teachers-and-educators", "معلمان و مربیان", "Teachers and educators"),
]


def seed(apps, schema_editor):
    Audience = apps.get_model("catalogue", "Audience")
    for position, (kind, code, name_fa, name_en) in enumerate(AUDIENCES):
        Audience.objects.update_or_create(
            code=code, defaults={"kind": kind, "name_fa": name_fa, "name_en": name_en, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0002_programmes_offerings")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
