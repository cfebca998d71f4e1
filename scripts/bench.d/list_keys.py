"""Write the id of every key of the endpoint to a file, one per line, with ListKeys.

Usage: list_keys.py HOST:PORT FILE
Pages through ListKeys 1000 keys at a time and prints how many keys there are.
"""
import sys

from kms import call, connect


def main():
    conn = connect(sys.argv[1])
    count = 0
    request = {"Limit": 1000}
    with open(sys.argv[2], "w") as out:
        while True:
            page = call(conn, "ListKeys", request)
            for key in page["Keys"]:
                out.write(key["KeyId"] + "\n")
            count += len(page["Keys"])
            if not page.get("Truncated"):
                break
            request["Marker"] = page["NextMarker"]
    print(count)


if __name__ == "__main__":
    main()
