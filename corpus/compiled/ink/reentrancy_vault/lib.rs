//! A savings vault for native tokens. Withdrawals are delivered through the
//! `VaultReceiver::on_withdrawal` hook of the receiving contract (so DAO and
//! multisig contracts can book the income), with reentrancy allowed because
//! receivers commonly deposit the change back.
//!
//! With `--features vulnerable` the withdrawer's balance is read before the
//! hook call and only written after it returns: the receiver re-enters
//! `withdraw` from its hook and is paid again from the same, not yet debited,
//! balance. The remediation debits first (checks-effects-interactions).
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod savings_vault {
    use ink::env::call::{build_call, ExecutionInput, Selector};
    use ink::env::CallFlags;
    use ink::storage::Mapping;

    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        InsufficientBalance,
        HookFailed,
    }

    #[ink(event)]
    pub struct Withdrawn {
        #[ink(topic)]
        who: AccountId,
        amount: Balance,
    }

    #[ink(storage)]
    #[derive(Default)]
    pub struct SavingsVault {
        balances: Mapping<AccountId, Balance>,
        total: Balance,
    }

    impl SavingsVault {
        #[ink(constructor)]
        pub fn new() -> Self {
            Self::default()
        }

        #[ink(message, payable)]
        pub fn deposit(&mut self) {
            let caller = self.env().caller();
            let amount = self.env().transferred_value();
            let balance = self.balances.get(caller).unwrap_or(0);
            self.balances.insert(caller, &(balance + amount));
            self.total += amount;
        }

        #[ink(message)]
        pub fn balance_of(&self, who: AccountId) -> Balance {
            self.balances.get(who).unwrap_or(0)
        }

        /// Sends `amount` to the caller through its `on_withdrawal` hook.
        #[ink(message)]
        pub fn withdraw(&mut self, amount: Balance) -> Result<(), Error> {
            let caller = self.env().caller();
            let balance = self.balances.get(caller).unwrap_or(0);
            if balance < amount {
                return Err(Error::InsufficientBalance);
            }

            #[cfg(not(feature = "vulnerable"))]
            {
                self.balances.insert(caller, &(balance - amount));
                self.total -= amount;
            }

            build_call::<Environment>()
                .call(caller)
                .transferred_value(amount)
                .call_flags(CallFlags::ALLOW_REENTRY)
                .exec_input(
                    ExecutionInput::new(Selector::new(ink::selector_bytes!("VaultReceiver::on_withdrawal")))
                        .push_arg(self.env().account_id())
                        .push_arg(amount),
                )
                .returns::<()>()
                .try_invoke()
                .map_err(|_| Error::HookFailed)?
                .map_err(|_| Error::HookFailed)?;

            #[cfg(feature = "vulnerable")]
            {
                self.balances.insert(caller, &(balance - amount));
                self.total -= amount;
            }

            self.env().emit_event(Withdrawn { who: caller, amount });
            Ok(())
        }
    }
}
